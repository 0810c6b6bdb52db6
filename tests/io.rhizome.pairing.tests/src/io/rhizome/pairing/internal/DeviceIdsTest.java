package io.rhizome.pairing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Pairing shows the same fingerprint as the key service: the API's helper, today's format. */
class DeviceIdsTest {

    @Test
    void aDeviceIdsFingerprintIsTodaysKnownVector() {
        // RFC 8032's first test key; the vector was computed by pairing's own code before it used the helper.
        assertEquals("21fe 31df a154 a261 626b f854 046f d227", DeviceIds.fingerprint("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"));
    }

    @Test
    void aMalformedDeviceIdHasNoFingerprint() {
        assertEquals("?", DeviceIds.fingerprint("not base64!"));
    }
}

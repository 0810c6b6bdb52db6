package io.rhizome.pairing.internal;

import java.util.Base64;

import io.rhizome.spi.crypto.Fingerprints;

/** Device ids are base64url (no padding) Ed25519 public keys. */
final class DeviceIds {

    private DeviceIds() {
    }

    static boolean valid(String id) {
        if (id == null || id.length() != 43) {
            return false;
        }
        try {
            return Base64.getUrlDecoder().decode(id).length == 32;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The fingerprint of a device id ({@link Fingerprints}), or {@code "?"} for a malformed one. */
    static String fingerprint(String id) {
        try {
            return Fingerprints.ofDeviceId(id);
        } catch (IllegalArgumentException e) {
            return "?";
        }
    }
}

package io.rhizome.transport.wireguard.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.rhizome.transport.wireguard.internal.WireGuardSettings;
import io.rhizome.transport.wireguard.internal.uapi.WgKey;

/** wg.* settings: defaults, ConfigAdmin over framework properties, every bad value refused with its key and value. */
class WireGuardSettingsTest {

    private static final String KEY = WgKey.fromHex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a").base64();

    private static WireGuardSettings parse(Map<String, String> values) {
        return WireGuardSettings.parse(values::get);
    }

    @Test
    void defaultsAreDisabledOnRhizome0AndConfigAdminWinsOverFrameworkProperties() {
        WireGuardSettings d = parse(Map.of());
        assertFalse(d.enabled());
        assertEquals("rhizome0", d.interfaceName());
        assertEquals(51820, d.udpPort());
        assertEquals(7300, d.syncPort());
        assertEquals(25, d.keepaliveSeconds());

        Map<String, Object> config = new HashMap<>(Map.of("wg.port", "51999"));
        Map<String, String> framework = Map.of("rhizome.wg.port", "51000", "rhizome.wg.interface", "wgx", "rhizome.wg.enabled", "true",
                "rhizome.wg.meshId", "m1", "rhizome.wg.peers", "dev-b:" + KEY + "@10.0.0.2:51820, dev-c:" + KEY);
        WireGuardSettings s = WireGuardSettings.parse(config, framework::get);
        assertEquals(51999, s.udpPort(), "ConfigAdmin wins");
        assertEquals("wgx", s.interfaceName(), "the framework property where ConfigAdmin says nothing");
        assertTrue(s.enabled());
        assertEquals(2, s.peers().size());
        assertEquals("dev-b", s.peers().get(0).deviceId());
        assertEquals(51820, s.peers().get(0).endpoint().orElseThrow().getPort());
        assertTrue(s.peers().get(1).endpoint().isEmpty());
    }

    @Test
    void badValuesAreRefusedWithTheKeyAndTheValue() {
        Map<String, String[]> cases = Map.of(
                "wg.enabled", new String[] { "yes", "wg.enabled must be true or false, not 'yes'" },
                "wg.port", new String[] { "70000", "wg.port must be a number from 1 to 65535, not '70000'" },
                "wg.syncPort", new String[] { "x", "wg.syncPort must be a number from 1 to 65535, not 'x'" },
                "wg.keepalive", new String[] { "-1", "wg.keepalive must be a number from 0 to 65535, not '-1'" },
                "wg.interface", new String[] { "much-too-long-name", "wg.interface must be 1 to 15 letters, digits or _=+.-, not 'much-too-long-name'" },
                "wg.peers", new String[] { "dev-b:notakey", "wg.peers must be a base64 WireGuard public key" });
        cases.forEach((key, c) -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(Map.of(key, c[0])));
            assertTrue(e.getMessage().startsWith(c[1]), key + ": " + e.getMessage());
        });
        IllegalArgumentException noMesh = assertThrows(IllegalArgumentException.class, () -> parse(Map.of("wg.enabled", "true")));
        assertTrue(noMesh.getMessage().startsWith("wg.meshId must be"), noMesh.getMessage());
        IllegalArgumentException badEndpoint = assertThrows(IllegalArgumentException.class,
                () -> parse(Map.of("wg.peers", "dev-b:" + KEY + "@somehost:1")));
        assertTrue(badEndpoint.getMessage().contains("'dev-b:" + KEY + "@somehost:1'") && badEndpoint.getMessage().contains("endpoint"),
                badEndpoint.getMessage());
    }
}

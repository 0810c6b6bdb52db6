package io.rhizome.transport.wireguard.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;

import org.junit.jupiter.api.Test;

import io.rhizome.transport.wireguard.internal.uapi.WgKey;

/** Curve25519 keys: RFC 7748's test vector, the hex and base64 forms, bad input refused with a sentence. */
class WgKeyTest {

    @Test
    void thePublicKeyOfRfc7748sAliceIsHerPublicKey() {
        WgKey alice = WgKey.fromHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        assertEquals("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", alice.publicKey().hex());
    }

    @Test
    void hexAndBase64RoundTripAndGeneratedKeysDiffer() {
        SecureRandom random = new SecureRandom();
        WgKey a = WgKey.generatePrivate(random);
        WgKey b = WgKey.generatePrivate(random);
        assertNotEquals(a, b);
        assertEquals(a, WgKey.fromHex(a.hex()));
        assertEquals(a, WgKey.fromBase64(a.base64()));
        assertEquals(44, a.base64().length(), "the base64 form is what wg genkey prints: 44 characters");
        byte[] raw = a.bytes();
        assertEquals(0, raw[0] & 7, "a generated private key is clamped (low three bits clear)");
        assertEquals(0x40, raw[31] & 0xc0, "a generated private key is clamped (top bit clear, next set)");
    }

    @Test
    void badKeysAreRefusedWithWhatWasWrong() {
        IllegalArgumentException shortHex = assertThrows(IllegalArgumentException.class, () -> WgKey.fromHex("abcd"));
        assertTrue(shortHex.getMessage().contains("64 digits"), shortHex.getMessage());
        IllegalArgumentException notHex = assertThrows(IllegalArgumentException.class, () -> WgKey.fromHex("z".repeat(64)));
        assertTrue(notHex.getMessage().contains("not a hex WireGuard key"), notHex.getMessage());
        IllegalArgumentException notB64 = assertThrows(IllegalArgumentException.class, () -> WgKey.fromBase64("%%%"));
        assertTrue(notB64.getMessage().contains("base64"), notB64.getMessage());
        IllegalArgumentException wrongLength = assertThrows(IllegalArgumentException.class, () -> WgKey.of(new byte[31]));
        assertTrue(wrongLength.getMessage().contains("32 bytes"), wrongLength.getMessage());
    }
}

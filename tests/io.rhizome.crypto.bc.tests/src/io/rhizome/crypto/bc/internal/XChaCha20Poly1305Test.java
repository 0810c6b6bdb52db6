package io.rhizome.crypto.bc.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import org.bouncycastle.crypto.InvalidCipherTextException;
import org.junit.jupiter.api.Test;

/** XChaCha20-Poly1305 against the draft's HChaCha20 vector and a libsodium-generated AEAD vector. */
class XChaCha20Poly1305Test {

    private static final HexFormat HEX = HexFormat.of();

    private static byte[] range(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) i;
        }
        return b;
    }

    @Test
    void hChaCha20MatchesTheDraftTestVector() {
        // draft-irtf-cfrg-xchacha-03, section 2.2.1
        byte[] nonce = HEX.parseHex("000000090000004a0000000031415927");
        assertEquals("82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc",
                HEX.formatHex(XChaCha20Poly1305.hChaCha20(range(32), nonce)));
    }

    @Test
    void sealMatchesLibsodiumAndOpensAgain() throws Exception {
        // crypto_aead_xchacha20poly1305_ietf_encrypt(message, ad, nonce 00..17, key 00..1f), libsodium 1.0.18
        byte[] plain = "Ladies and Gentlemen of the class of 99".getBytes(StandardCharsets.US_ASCII);
        byte[] ad = "aad-bytes".getBytes(StandardCharsets.US_ASCII);
        byte[] ct = XChaCha20Poly1305.encrypt(range(32), range(24), plain, ad, new byte[0]);
        assertEquals("d2a36b16f5a1adcf5d200689ae3cdc842e2a4dcbddb97bcb0b725a965ec1942a2d26d982615e30b50988c65ffd6b3678ee02fca725e415",
                HEX.formatHex(ct));
        // Associated data given in two parts authenticates the same as in one.
        assertArrayEquals(plain, XChaCha20Poly1305.decrypt(range(32), range(24), ct, "aad-".getBytes(StandardCharsets.US_ASCII),
                "bytes".getBytes(StandardCharsets.US_ASCII)));
        ct[0] ^= 1;
        assertThrows(InvalidCipherTextException.class, () -> XChaCha20Poly1305.decrypt(range(32), range(24), ct, ad, new byte[0]));
        assertThrows(InvalidCipherTextException.class, () -> XChaCha20Poly1305.decrypt(range(32), range(24), new byte[15], ad, new byte[0]));
    }
}

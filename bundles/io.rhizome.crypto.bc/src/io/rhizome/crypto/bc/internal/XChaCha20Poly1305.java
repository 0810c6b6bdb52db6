package io.rhizome.crypto.bc.internal;

import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.modes.ChaCha20Poly1305;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * XChaCha20-Poly1305 as specified in draft-irtf-cfrg-xchacha-03: HChaCha20 derives a subkey from
 * the key and the first 16 nonce bytes; the IETF ChaCha20-Poly1305 of Bouncy Castle then runs with
 * that subkey and the nonce {@code 0x00000000 || nonce[16..24]}.
 *
 * <p>Stateless and thread-safe.
 */
public final class XChaCha20Poly1305 {

    public static final int NONCE_LENGTH = 24;
    public static final int TAG_LENGTH = 16;
    private static final int[] SIGMA = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};

    private XChaCha20Poly1305() {
    }

    /** Ciphertext followed by the 16-byte tag. {@code aad1} and {@code aad2} are authenticated in that order. */
    public static byte[] encrypt(byte[] key, byte[] nonce, byte[] plaintext, byte[] aad1, byte[] aad2) {
        ChaCha20Poly1305 aead = init(true, key, nonce);
        aead.processAADBytes(aad1, 0, aad1.length);
        aead.processAADBytes(aad2, 0, aad2.length);
        byte[] out = new byte[plaintext.length + TAG_LENGTH];
        int n = aead.processBytes(plaintext, 0, plaintext.length, out, 0);
        try {
            aead.doFinal(out, n);
        } catch (InvalidCipherTextException e) {
            throw new IllegalStateException("encryption cannot fail authentication", e);
        }
        return out;
    }

    /** The plaintext, or an {@link InvalidCipherTextException} when the tag does not verify. */
    public static byte[] decrypt(byte[] key, byte[] nonce, byte[] ciphertext, byte[] aad1, byte[] aad2) throws InvalidCipherTextException {
        if (ciphertext.length < TAG_LENGTH) {
            throw new InvalidCipherTextException("ciphertext shorter than the tag");
        }
        ChaCha20Poly1305 aead = init(false, key, nonce);
        aead.processAADBytes(aad1, 0, aad1.length);
        aead.processAADBytes(aad2, 0, aad2.length);
        byte[] out = new byte[ciphertext.length - TAG_LENGTH];
        int n = aead.processBytes(ciphertext, 0, ciphertext.length, out, 0);
        aead.doFinal(out, n);
        return out;
    }

    private static ChaCha20Poly1305 init(boolean encrypt, byte[] key, byte[] nonce) {
        if (key.length != 32 || nonce.length != NONCE_LENGTH) {
            throw new IllegalArgumentException("XChaCha20-Poly1305 needs a 32-byte key and a 24-byte nonce");
        }
        byte[] subkey = hChaCha20(key, nonce);
        byte[] chachaNonce = new byte[12];
        System.arraycopy(nonce, 16, chachaNonce, 4, 8);
        ChaCha20Poly1305 aead = new ChaCha20Poly1305();
        aead.init(encrypt, new AEADParameters(new KeyParameter(subkey), TAG_LENGTH * 8, chachaNonce));
        java.util.Arrays.fill(subkey, (byte) 0);
        return aead;
    }

    /**
     * HChaCha20 (draft-irtf-cfrg-xchacha-03, section 2.2): the ChaCha20 state from constants, key and
     * the first 16 nonce bytes, 20 rounds without the final feed-forward addition, output words
     * 0..3 and 12..15 little-endian.
     */
    static byte[] hChaCha20(byte[] key, byte[] nonce) {
        int[] x = new int[16];
        System.arraycopy(SIGMA, 0, x, 0, 4);
        for (int i = 0; i < 8; i++) {
            x[4 + i] = le32(key, 4 * i);
        }
        for (int i = 0; i < 4; i++) {
            x[12 + i] = le32(nonce, 4 * i);
        }
        for (int round = 0; round < 10; round++) {
            quarterRound(x, 0, 4, 8, 12);
            quarterRound(x, 1, 5, 9, 13);
            quarterRound(x, 2, 6, 10, 14);
            quarterRound(x, 3, 7, 11, 15);
            quarterRound(x, 0, 5, 10, 15);
            quarterRound(x, 1, 6, 11, 12);
            quarterRound(x, 2, 7, 8, 13);
            quarterRound(x, 3, 4, 9, 14);
        }
        byte[] out = new byte[32];
        for (int i = 0; i < 4; i++) {
            putLe32(x[i], out, 4 * i);
            putLe32(x[12 + i], out, 16 + 4 * i);
        }
        return out;
    }

    private static void quarterRound(int[] x, int a, int b, int c, int d) {
        x[a] += x[b];
        x[d] = Integer.rotateLeft(x[d] ^ x[a], 16);
        x[c] += x[d];
        x[b] = Integer.rotateLeft(x[b] ^ x[c], 12);
        x[a] += x[b];
        x[d] = Integer.rotateLeft(x[d] ^ x[a], 8);
        x[c] += x[d];
        x[b] = Integer.rotateLeft(x[b] ^ x[c], 7);
    }

    private static int le32(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }

    private static void putLe32(int v, byte[] b, int off) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
        b[off + 2] = (byte) (v >>> 16);
        b[off + 3] = (byte) (v >>> 24);
    }
}

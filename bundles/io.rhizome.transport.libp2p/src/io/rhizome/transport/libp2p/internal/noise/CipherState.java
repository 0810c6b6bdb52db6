package io.rhizome.transport.libp2p.internal.noise;

import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.modes.ChaCha20Poly1305;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * Noise CipherState with ChaChaPoly: a key and a 64-bit nonce counter. Not thread-safe: each
 * direction of a connection owns one and uses it from one thread.
 */
public final class CipherState {

    /** Authentication tag length. */
    public static final int TAG_LENGTH = 16;

    private final ChaCha20Poly1305 aead = new ChaCha20Poly1305();
    private final byte[] nonceBytes = new byte[12];
    private KeyParameter key;
    private long nonce;

    CipherState() {
    }

    /** A cipher state with a key (for tests and {@link SymmetricState#split}). */
    public CipherState(byte[] key) {
        initializeKey(key);
    }

    void initializeKey(byte[] k) {
        this.key = new KeyParameter(k);
        this.nonce = 0;
    }

    public boolean hasKey() {
        return key != null;
    }

    public long nonce() {
        return nonce;
    }

    public byte[] encryptWithAd(byte[] ad, byte[] plaintext) throws NoiseException {
        if (key == null) {
            return plaintext.clone();
        }
        byte[] out = new byte[plaintext.length + TAG_LENGTH];
        encrypt(ad, plaintext, 0, plaintext.length, out, 0);
        return out;
    }

    /** Encrypts {@code len} bytes into {@code out} (which needs len + 16 bytes); returns the length written. */
    public int encrypt(byte[] ad, byte[] in, int off, int len, byte[] out, int outOff) throws NoiseException {
        init(true, ad);
        int n = aead.processBytes(in, off, len, out, outOff);
        try {
            n += aead.doFinal(out, outOff + n);
        } catch (InvalidCipherTextException e) {
            throw new NoiseException("encryption failed", e);
        }
        nonce++;
        return n;
    }

    public byte[] decryptWithAd(byte[] ad, byte[] ciphertext) throws NoiseException {
        if (key == null) {
            return ciphertext.clone();
        }
        if (ciphertext.length < TAG_LENGTH) {
            throw new NoiseException("ciphertext shorter than the authentication tag");
        }
        byte[] out = new byte[ciphertext.length - TAG_LENGTH];
        decrypt(ad, ciphertext, 0, ciphertext.length, out, 0);
        return out;
    }

    /** Decrypts and authenticates; the nonce only advances on success. Returns the plaintext length. */
    public int decrypt(byte[] ad, byte[] in, int off, int len, byte[] out, int outOff) throws NoiseException {
        if (len < TAG_LENGTH) {
            throw new NoiseException("ciphertext shorter than the authentication tag");
        }
        init(false, ad);
        int n = aead.processBytes(in, off, len, out, outOff);
        try {
            n += aead.doFinal(out, outOff + n);
        } catch (InvalidCipherTextException e) {
            throw new NoiseException("message authentication failed (nonce " + nonce + ")");
        }
        nonce++;
        return n;
    }

    private void init(boolean encrypt, byte[] ad) throws NoiseException {
        if (nonce == -1L) {
            throw new NoiseException("nonce exhausted");
        }
        long n = nonce;
        for (int i = 0; i < 8; i++) {
            nonceBytes[4 + i] = (byte) (n >>> (8 * i));
        }
        aead.init(encrypt, new AEADParameters(key, 128, nonceBytes, ad));
    }
}

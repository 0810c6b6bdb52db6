package io.rhizome.transport.libp2p.internal.noise;

/**
 * Noise CipherState with ChaChaPoly: a key and a 64-bit nonce counter. Not thread-safe: each
 * direction of a connection owns one and uses it from one thread.
 */
public final class CipherState {

    /** Authentication tag length. */
    public static final int TAG_LENGTH = 16;

    private final byte[] nonceBytes = new byte[12];
    private ChaChaPoly aead;
    private long nonce;

    CipherState() {
    }

    /** A cipher state with a key (for tests and {@link SymmetricState#split}). */
    public CipherState(byte[] key) {
        initializeKey(key);
    }

    /** A cipher state with an explicit engine (tests compare engines). */
    public CipherState(ChaChaPoly engine) {
        this.aead = engine;
    }

    void initializeKey(byte[] k) {
        this.aead = ChaChaPoly.create(k);
        this.nonce = 0;
    }

    public boolean hasKey() {
        return aead != null;
    }

    public long nonce() {
        return nonce;
    }

    public String engine() {
        return aead == null ? "none" : aead.engine();
    }

    public byte[] encryptWithAd(byte[] ad, byte[] plaintext) throws NoiseException {
        if (aead == null) {
            return plaintext.clone();
        }
        byte[] out = new byte[plaintext.length + TAG_LENGTH];
        encrypt(ad, plaintext, 0, plaintext.length, out, 0);
        return out;
    }

    /** Encrypts {@code len} bytes into {@code out} (which needs len + 16 bytes); returns the length written. */
    public int encrypt(byte[] ad, byte[] in, int off, int len, byte[] out, int outOff) throws NoiseException {
        int n = aead.seal(nextNonce(), ad, in, off, len, out, outOff);
        nonce++;
        return n;
    }

    public byte[] decryptWithAd(byte[] ad, byte[] ciphertext) throws NoiseException {
        if (aead == null) {
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
        long n = nonce;
        try {
            int written = aead.open(nextNonce(), ad, in, off, len, out, outOff);
            nonce++;
            return written;
        } catch (NoiseException e) {
            throw new NoiseException(e.getMessage() + " (nonce " + n + ")");
        }
    }

    private byte[] nextNonce() throws NoiseException {
        if (nonce == -1L) {
            throw new NoiseException("nonce exhausted");
        }
        long n = nonce;
        for (int i = 0; i < 8; i++) {
            nonceBytes[4 + i] = (byte) (n >>> (8 * i));
        }
        return nonceBytes;
    }
}

package io.rhizome.crypto.bc.internal;

/** HKDF-SHA256 entry point for the key-store code, which lives in another package. */
public final class Hkdf {
    private Hkdf() {
    }

    public static byte[] sha256(byte[] ikm, byte[] salt, byte[] info, int length) {
        return BcEncryptionProvider.hkdf(ikm, salt, info, length);
    }
}

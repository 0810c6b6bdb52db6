package io.rhizome.spi.crypto;

/**
 * Signs with a private key the caller never sees, typically {@code keyService::signWithIdentity}.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface Signer {
    /** The 64-byte Ed25519 signature of {@code message}. */
    byte[] sign(byte[] message) throws CryptoException;
}

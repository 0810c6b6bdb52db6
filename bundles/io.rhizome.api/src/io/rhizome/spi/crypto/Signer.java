package io.rhizome.spi.crypto;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Signs with a private key the caller never sees, typically {@code keyService::signWithIdentity}.
 *
 * <p><b>Versioning:</b> Implemented by whoever calls an {@link EncryptionProvider} (the engine,
 * pairing, a plugin; usually a method reference) and called by the provider:
 * {@code @ConsumerType}: adding a method to it is a major change of this package.
 *
 * @since 0.1
 */
@FunctionalInterface
@ConsumerType
public interface Signer {
    /** The 64-byte Ed25519 signature of {@code message}. */
    byte[] sign(byte[] message) throws CryptoException;
}

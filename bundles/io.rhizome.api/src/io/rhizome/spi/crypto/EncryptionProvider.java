package io.rhizome.spi.crypto;

import java.util.Set;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Authenticated encryption, signatures and key derivation, contributed as an OSGi service.
 *
 * <p><b>Registration:</b> with {@value #PROVIDER_PROPERTY} naming the implementation (for example
 * {@code bc} or {@code jca}). The engine uses the one with the highest {@code service.ranking}
 * unless configuration targets another.
 *
 * <p><b>Threading:</b> thread-safe and stateless apart from its random source.
 *
 * <p><b>Failure:</b> {@link #open} throws only {@link CryptoException} subtypes:
 * {@link TamperedException} when authentication fails (bytes or associated data changed, or the
 * wrong key), {@link UnsupportedAlgorithmException} when the sealed box names an algorithm this
 * provider lacks. Hostile lengths are reported the same way, never as a runtime exception.
 *
 * @since 0.1
 */
@ConsumerType
public interface EncryptionProvider {

    /** The service property that names a provider. */
    String PROVIDER_PROPERTY = "crypto.provider";

    /** The AEAD algorithm names this provider implements, e.g. {@code XChaCha20-Poly1305}, {@code AES-256-GCM}. */
    Set<String> aeadAlgorithms();

    /**
     * Encrypts and authenticates {@code plaintext}, binding {@code associatedData}.
     *
     * @return the sealed box: algorithm id, nonce and ciphertext with tag, self-describing
     * @throws UnsupportedAlgorithmException if this provider lacks {@code algorithm}
     */
    byte[] seal(String algorithm, byte[] key, byte[] plaintext, byte[] associatedData) throws CryptoException;

    /**
     * Opens a box made by {@link #seal} (by this or any interoperating provider).
     *
     * @throws TamperedException             if authentication fails
     * @throws UnsupportedAlgorithmException if the box uses an algorithm this provider lacks
     */
    byte[] open(byte[] key, byte[] sealed, byte[] associatedData) throws CryptoException;

    /** Ed25519 signature of {@code message} with a 32-byte private seed. */
    byte[] sign(byte[] privateKey, byte[] message) throws CryptoException;

    /** Whether {@code signature} is a valid Ed25519 signature of {@code message} by {@code publicKey}. */
    boolean verify(byte[] publicKey, byte[] message, byte[] signature);

    /** HKDF-SHA256. */
    byte[] deriveKey(byte[] inputKeyMaterial, byte[] salt, byte[] info, int length) throws CryptoException;

    /** Cryptographically secure random bytes. */
    byte[] randomBytes(int length);
}

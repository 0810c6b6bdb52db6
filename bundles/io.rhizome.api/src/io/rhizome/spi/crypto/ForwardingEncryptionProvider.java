package io.rhizome.spi.crypto;

import java.util.Set;

import org.osgi.annotation.versioning.ConsumerType;

import io.rhizome.spi.crypto.KeyService.MeshKey;

/**
 * An {@link EncryptionProvider} that forwards every operation to another one: the base of thin
 * DS components that hold a plain provider object and replace it when their configuration changes.
 * The change-set and batch methods are inherited from {@link EncryptionProvider} (they fix the wire
 * format) and are not forwarded.
 *
 * <p>Thread-safe as long as {@link #delegate()} is (a volatile field is enough).
 *
 * <p><b>Versioning:</b> Extended by crypto plugins' components: {@code @ConsumerType}: adding a
 * method to it is a major change of this package.
 *
 * @since 0.1
 */
@ConsumerType
public abstract class ForwardingEncryptionProvider implements EncryptionProvider {

    /** The provider every call goes to; never null while the component is active. */
    protected abstract EncryptionProvider delegate();

    @Override
    public String name() {
        return delegate().name();
    }

    @Override
    public Set<AeadAlgorithm> aeadAlgorithms() {
        return delegate().aeadAlgorithms();
    }

    @Override
    public AeadAlgorithm defaultAlgorithm() {
        return delegate().defaultAlgorithm();
    }

    @Override
    public byte[] seal(AeadAlgorithm algorithm, MeshKey key, byte[] plaintext, byte[] associatedData) throws CryptoException {
        return delegate().seal(algorithm, key, plaintext, associatedData);
    }

    @Override
    public byte[] open(KeyLookup keys, byte[] sealed, byte[] associatedData) throws CryptoException {
        return delegate().open(keys, sealed, associatedData);
    }

    @Override
    public byte[] sign(byte[] privateKey, byte[] message) throws CryptoException {
        return delegate().sign(privateKey, message);
    }

    @Override
    public boolean verify(byte[] publicKey, byte[] message, byte[] signature) {
        return delegate().verify(publicKey, message, signature);
    }

    @Override
    public byte[] deriveKey(byte[] inputKeyMaterial, byte[] salt, byte[] info, int length) throws CryptoException {
        return delegate().deriveKey(inputKeyMaterial, salt, info, length);
    }

    @Override
    public byte[] randomBytes(int length) {
        return delegate().randomBytes(length);
    }
}

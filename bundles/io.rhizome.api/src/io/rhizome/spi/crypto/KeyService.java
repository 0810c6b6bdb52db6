package io.rhizome.spi.crypto;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * The device identity and the mesh keys of this node, kept in the node home folder encrypted under
 * a key-encryption key (never in plaintext). Private keys never leave this service; mesh data keys
 * leave it only to be handed to an {@link EncryptionProvider} for sealing and opening.
 *
 * <p><b>Identity:</b> an Ed25519 key pair created on first start; its public key is the device id.
 *
 * <p><b>Mesh keys and epochs:</b> each mesh key has an epoch number. New writes use the newest
 * ({@link #currentMeshKey()}); older epochs stay available for reading history. {@link #rotateMeshKey()}
 * starts a new epoch (for example after revoking a device); {@link #installMeshKey} adds one
 * received from another device (pairing).
 *
 * <p><b>Threading and failure:</b> thread-safe. Methods that change keys persist the change before
 * it becomes visible; if persisting fails they throw {@link CryptoException} and nothing changes.
 *
 * <p><b>Versioning:</b> Implemented by a crypto plugin ({@code io.rhizome.crypto.bc}) and called
 * by the engine, pairing and the REST API: {@code @ConsumerType}: adding a method to it is a major
 * change of this package.
 *
 * @since 0.1
 */
@ConsumerType
public interface KeyService {

    /** The device id: the Ed25519 identity public key, base64url without padding (43 characters). */
    String deviceId();

    /** The 32-byte Ed25519 identity public key. */
    byte[] identityPublicKey();

    /**
     * A short human-comparable fingerprint of the identity public key: the first 16 bytes of its
     * SHA-256 as 8 groups of 4 hex digits, exactly {@link Fingerprints#of} of
     * {@link #identityPublicKey()} (what pairing shows for the other devices).
     */
    String fingerprint();

    /** Signs with the identity key (Ed25519). */
    byte[] signWithIdentity(byte[] message) throws CryptoException;

    /** The newest mesh key, used for new writes. */
    MeshKey currentMeshKey();

    /** A mesh key of an older or current epoch, empty if this node never had it. */
    Optional<MeshKey> meshKey(long epoch);

    /** The epochs this node holds, ascending. */
    List<Long> epochs();

    /** Creates a fresh random mesh key with epoch {@code current + 1}, persists it and makes it current. */
    MeshKey rotateMeshKey() throws CryptoException;

    /**
     * Adds a mesh key received from another device. Installing an epoch already held with the same
     * bytes is a no-op.
     *
     * @throws CryptoException if the epoch is held with different bytes, or persisting fails
     */
    void installMeshKey(MeshKey key) throws CryptoException;

    /**
     * Replaces all mesh keys by those of a mesh this node joins (the joining side of pairing); the
     * previous keys of this node are discarded. The newest epoch of {@code keys} becomes current.
     *
     * @throws CryptoException if {@code keys} is empty or persisting fails (then nothing changes)
     */
    void joinMesh(List<MeshKey> keys) throws CryptoException;

    /**
     * A secret of another plugin kept with this node's keys, sealed at rest like them (a
     * transport's own private key, such as WireGuard's): the one stored under {@code name}, else
     * {@code initial}'s answer, which is stored (durably, before this returns) and returned from
     * then on. {@code initial} is called at most once per name, under this service's lock; it may
     * read what an older version kept elsewhere (a migration), or make a random secret.
     *
     * <p>Secrets are at most 1024 bytes, names 1 to 128 characters of {@code [A-Za-z0-9._/-]}
     * (by convention the plugin's bundle symbolic name, a slash, and what it is). Default: throws
     * {@link CryptoException} saying this key service keeps no other secrets (the caller keeps
     * its own, or refuses to start).
     *
     * @return a copy of the secret
     * @throws CryptoException if the secret cannot be stored, or the name or secret is out of bounds
     * @since 0.1
     */
    default byte[] secret(String name, java.util.function.Supplier<byte[]> initial) throws CryptoException {
        throw new CryptoException("the key service " + getClass().getName() + " keeps no secrets of other plugins");
    }

    /** A mesh data key of one epoch. */
    record MeshKey(long epoch, byte[] key) {
        /** @throws IllegalArgumentException for a negative epoch or a key that is not 32 bytes */
        public MeshKey {
            if (epoch < 0) {
                throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
            }
            if (key == null || key.length != AeadAlgorithm.KEY_LENGTH) {
                throw new IllegalArgumentException("a mesh key is " + AeadAlgorithm.KEY_LENGTH + " bytes");
            }
            key = key.clone();
        }

        @Override
        public byte[] key() {
            return key.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof MeshKey m && m.epoch == epoch && java.security.MessageDigest.isEqual(m.key, key);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(epoch);
        }

        @Override
        public String toString() {
            return "MeshKey[epoch=" + epoch + "]";
        }
    }
}

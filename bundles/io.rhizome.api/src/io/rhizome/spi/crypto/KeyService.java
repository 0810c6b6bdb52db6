package io.rhizome.spi.crypto;

import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The device identity and the mesh keys of this node. Keys never leave this service in plaintext
 * except the current mesh key handed to the engine for sealing.
 *
 * <p>Thread-safe.
 *
 * @since 0.1
 */
@ProviderType
public interface KeyService {

    /** The device id: a text form of the Ed25519 identity public key. */
    String deviceId();

    /** The 32-byte Ed25519 identity public key. */
    byte[] identityPublicKey();

    /** Signs with the identity key. */
    byte[] signWithIdentity(byte[] message) throws CryptoException;

    /** The newest mesh key epoch, used for new writes. */
    MeshKey currentMeshKey();

    /** A mesh key of an older or current epoch, empty if this node never had it. */
    Optional<MeshKey> meshKey(long epoch);

    /** A mesh data key of one epoch. */
    record MeshKey(long epoch, byte[] key) {
        public MeshKey {
            key = key.clone();
        }

        @Override
        public byte[] key() {
            return key.clone();
        }

        @Override
        public String toString() {
            return "MeshKey[epoch=" + epoch + "]";
        }
    }
}

package io.rhizome.spi.crypto;

import java.util.Optional;

import org.osgi.annotation.versioning.ConsumerType;

import io.rhizome.spi.crypto.KeyService.MeshKey;

/**
 * Finds the key of an epoch when opening a box, typically {@code keyService::meshKey}.
 *
 * <p><b>Versioning:</b> Implemented by whoever calls an {@link EncryptionProvider} (usually a
 * method reference) and called by the provider: {@code @ConsumerType}: adding a method to it is a
 * major change of this package.
 *
 * @since 0.1
 */
@FunctionalInterface
@ConsumerType
public interface KeyLookup {
    /** The key of {@code epoch}, empty if this node never had it. */
    Optional<MeshKey> key(long epoch);

    /** A lookup that knows exactly one key (for backup keys and tests). */
    static KeyLookup of(MeshKey key) {
        return epoch -> epoch == key.epoch() ? Optional.of(key) : Optional.empty();
    }
}

package io.rhizome.spi.crypto;

import java.util.Optional;

import io.rhizome.spi.crypto.KeyService.MeshKey;

/**
 * Finds the key of an epoch when opening a box, typically {@code keyService::meshKey}.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface KeyLookup {
    /** The key of {@code epoch}, empty if this node never had it. */
    Optional<MeshKey> key(long epoch);

    /** A lookup that knows exactly one key (for backup keys and tests). */
    static KeyLookup of(MeshKey key) {
        return epoch -> epoch == key.epoch() ? Optional.of(key) : Optional.empty();
    }
}

package io.rhizome.spi.store;

import java.util.Optional;
import java.util.SortedMap;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A namespace of small durable values that belongs to one {@link MetadataOwner}: no other owner
 * can read or change its keys, whatever they are called (a key {@code x} of one space and a key
 * {@code x} of another are different values). For the durable records a bundle keeps next to the
 * replica (pairing's trusted devices, say) and for the engine's own (its peer book, the device
 * id).
 *
 * <p><b>Registration.</b> The store's bundle registers {@code MetadataSpace} as a bundle-scoped
 * service (a {@code ServiceFactory}): each bundle that gets the service gets the space of its own
 * symbolic name ({@link MetadataOwner#bundle}) and no way to name another. The engine, which
 * holds the {@link ReplicaStore}, asks {@link ReplicaStore#metadata} for its spaces
 * ({@link MetadataOwner#engine}). The service is registered while the store is open and usable,
 * like the store's.
 *
 * <p><b>Keys and values.</b> A key has 1 to {@value #MAX_KEY_LENGTH} characters, a value 1 to
 * {@value #MAX_VALUE_BYTES} bytes (a key is deleted, never set to nothing). {@link #scan} orders
 * keys as {@link String#compareTo} does.
 *
 * <p><b>Durability and atomicity.</b> Every change is durable when its method returns, and
 * {@link #update} applies all of its changes or none, also across a crash ({@code kill -9}).
 * Values read are copies.
 *
 * <p><b>Threading.</b> Thread-safe. Changes from concurrent calls are applied one call after the
 * other; a read sees every change whose call returned.
 *
 * <p><b>Failure.</b> A key or value beyond the limits throws {@link IllegalArgumentException}
 * naming the key; an I/O problem or a closed store throws {@link StoreException}. Either way
 * nothing of the call is applied.
 *
 * <p><b>Conformance.</b> Stores pass the metadata cases of
 * {@code io.rhizome.testsupport.store.ReplicaStoreConformance} (and an in-memory store
 * {@code io.rhizome.testsupport.store.MetadataSpaceConformance}).
 *
 * @since 0.1
 */
@ConsumerType
public interface MetadataSpace {

    /** The longest key, in characters. */
    int MAX_KEY_LENGTH = 1024;

    /** The largest value, in bytes. */
    int MAX_VALUE_BYTES = 1 << 20;

    /** Whose space this is. */
    MetadataOwner owner();

    /** The value of a key; empty when it is not set. */
    Optional<byte[]> get(String key) throws StoreException;

    /** Every key of this space that starts with {@code prefix} ({@code ""}: all), sorted, with its value. */
    SortedMap<String, byte[]> scan(String prefix) throws StoreException;

    /** Applies all the changes of {@code update} atomically and durably, or none of them. */
    void update(MetadataUpdate update) throws StoreException;

    /** Sets one key. */
    default void put(String key, byte[] value) throws StoreException {
        update(MetadataUpdate.builder().put(key, value).build());
    }

    /** Deletes one key (nothing happens if it is not set). */
    default void delete(String key) throws StoreException {
        update(MetadataUpdate.builder().delete(key).build());
    }
}

package io.rhizome.spi.store;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * The node's durable storage, contributed as an OSGi service with {@value #KIND_PROPERTY}
 * (for example {@code mapdb}). The engine uses exactly one store (the highest ranking).
 *
 * <p>The sync-engine work defines the operations (append a batch atomically, read the log since a
 * version, materialised states, the outbox per peer, peer records). Contract already fixed here:
 * a batch is written completely or not at all, and a write reported as done survives a crash of
 * the process.
 *
 * @since 0.1
 */
@ConsumerType
public interface ReplicaStore {

    /** The service property that names the kind of store. */
    String KIND_PROPERTY = "store.kind";

    /** Where the store keeps its data, for status output (a folder path, say). */
    String location();
}

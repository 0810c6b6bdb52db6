package io.rhizome.store.mapdb.internal;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How a {@link MapDbReplicaStore} is opened.
 *
 * @param folder          the data folder (created if missing)
 * @param maxBatchEntries group commit: the most log entries (plus metadata and checkpoint values)
 *                        one commit takes; more waiting callers go into the next commit
 * @param queueCapacity   how many calls may wait for the committer before callers block
 * @param cacheMegabytes  the bounded cache of clean file pages kept on the heap
 */
public record StoreSettings(Path folder, int maxBatchEntries, int queueCapacity, int cacheMegabytes) {

    public static final int DEFAULT_MAX_BATCH_ENTRIES = 20_000;
    public static final int DEFAULT_QUEUE_CAPACITY = 65_536;
    public static final int DEFAULT_CACHE_MEGABYTES = 64;

    public StoreSettings {
        Objects.requireNonNull(folder, "folder");
        if (maxBatchEntries < 1) {
            throw new IllegalArgumentException("maxBatchEntries must be at least 1, not " + maxBatchEntries);
        }
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("queueCapacity must be at least 1, not " + queueCapacity);
        }
        if (cacheMegabytes < 1) {
            throw new IllegalArgumentException("cacheMegabytes must be at least 1, not " + cacheMegabytes);
        }
    }

    public static StoreSettings defaults(Path folder) {
        return new StoreSettings(folder, DEFAULT_MAX_BATCH_ENTRIES, DEFAULT_QUEUE_CAPACITY, DEFAULT_CACHE_MEGABYTES);
    }
}

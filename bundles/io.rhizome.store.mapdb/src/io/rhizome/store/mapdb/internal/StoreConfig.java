package io.rhizome.store.mapdb.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Rhizome durable store (MapDB)",
        description = "Where and how the node keeps its event log, metadata and entity checkpoints.")
public @interface StoreConfig {

    @AttributeDefinition(name = "Data folder",
            description = "Folder of the store's files. Empty: the 'data' folder inside the node's home "
                    + "(framework property rhizome.home, default ~/.rhizome).")
    String folder() default "";

    @AttributeDefinition(name = "Entries per commit",
            description = "Group commit: the most log entries and values one commit to disk takes; "
                    + "callers waiting beyond that go into the next commit.", min = "1")
    int maxBatchEntries() default StoreSettings.DEFAULT_MAX_BATCH_ENTRIES;

    @AttributeDefinition(name = "Write queue", description = "How many write calls may wait for the "
            + "committer before further callers block.", min = "1")
    int queueCapacity() default StoreSettings.DEFAULT_QUEUE_CAPACITY;

    @AttributeDefinition(name = "Page cache (MB)", description = "Heap used to cache clean pages of the "
            + "store file.", min = "1")
    int cacheMegabytes() default StoreSettings.DEFAULT_CACHE_MEGABYTES;
}

package io.rhizome.store.mapdb.internal;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import io.rhizome.spi.store.ReplicaStore;
import io.rhizome.testsupport.MemoryReplicaStore;
import io.rhizome.testsupport.store.MetadataSpaceConformance;

/**
 * The in-memory store the engine and pairing tests run on keeps its metadata spaces to the same
 * contract as the MapDB store ("re-opening" it hands back the same instance, which is what a
 * restart inside one test looks like).
 */
class MemoryReplicaStoreMetadataTest extends MetadataSpaceConformance {

    private final Map<Path, MemoryReplicaStore> stores = new HashMap<>();

    @Override
    protected ReplicaStore open(Path folder) {
        return stores.computeIfAbsent(folder, f -> new MemoryReplicaStore());
    }

    @Override
    protected void close(ReplicaStore store) {
        // nothing to close: the instance is the store's whole state
    }
}

package io.rhizome.store.mapdb.internal;

import java.nio.file.Path;

import io.rhizome.spi.store.ReplicaStore;
import io.rhizome.testsupport.store.ReplicaStoreConformance;

/** The MapDB store passes the ReplicaStore conformance suite, on real files in a temp folder. */
class MapDbReplicaStoreConformanceTest extends ReplicaStoreConformance {

    @Override
    protected ReplicaStore open(Path folder) throws Exception {
        return MapDbReplicaStore.open(StoreSettings.defaults(folder), TestStoreKey.KEY);
    }

    @Override
    protected void close(ReplicaStore store) {
        ((MapDbReplicaStore) store).close();
    }
}

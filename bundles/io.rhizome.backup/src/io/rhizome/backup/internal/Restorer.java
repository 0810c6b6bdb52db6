package io.rhizome.backup.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import io.rhizome.api.ReplicaArchive;
import io.rhizome.spi.crypto.CryptoException;
import io.rhizome.spi.crypto.KeyService;

/**
 * Takes the records of a checked chain and puts them into the replica: the backup's mesh keys first
 * (replacing the fresh node's own), then the change sets in batches, each applied like a peer's batch.
 */
final class Restorer implements Consumer<SnapshotRecord> {

    private static final int BATCH = 2000;

    private final ReplicaArchive archive;
    private final Optional<KeyService> keys;
    private final List<KeyService.MeshKey> pendingKeys = new ArrayList<>();
    private final List<ReplicaArchive.Entry> batch = new ArrayList<>();
    private boolean joined;
    private long applied;

    Restorer(ReplicaArchive archive, Optional<KeyService> keys) {
        this.archive = archive;
        this.keys = keys;
    }

    @Override
    public void accept(SnapshotRecord r) {
        if (r.stream().equals(MeshKeyRecords.STREAM)) {
            pendingKeys.add(MeshKeyRecords.decode(r));
            return;
        }
        installKeys();
        batch.add(new ReplicaArchive.Entry(r.stream(), r.seq(), r.payload()));
        if (batch.size() >= BATCH) {
            flush();
        }
    }

    void finish() {
        installKeys();
        flush();
    }

    long applied() {
        return applied;
    }

    private void installKeys() {
        if (pendingKeys.isEmpty() || keys.isEmpty()) {
            return;
        }
        try {
            if (!joined) {
                keys.get().joinMesh(List.copyOf(pendingKeys));
                joined = true;
            } else {
                for (KeyService.MeshKey k : pendingKeys) {
                    keys.get().installMeshKey(k);
                }
            }
        } catch (CryptoException e) {
            throw new IllegalStateException("the backup's mesh keys cannot be installed: " + e.getMessage(), e);
        }
        pendingKeys.clear();
    }

    private void flush() {
        if (!batch.isEmpty()) {
            applied += archive.restore(List.copyOf(batch)).applied();
            batch.clear();
        }
    }
}

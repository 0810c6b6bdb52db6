package io.rhizome.backup.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

import io.rhizome.api.ReplicaArchive;
import io.rhizome.spi.crypto.CryptoException;
import io.rhizome.spi.crypto.KeyService;

/**
 * Takes the records of a checked chain and puts them into the replica: the backup's mesh keys first
 * (replacing the fresh node's own), then the change sets in batches, each applied like a peer's batch.
 *
 * <p>Pipelined: a batch is handed to one worker thread, which has the engine check and apply it
 * (opening and verifying each change set, then the engine thread applying it), while the restore
 * thread reads, opens and inflates the chunks of the next batch. One batch in flight at a time, so
 * batches reach the engine in log order (a stream's change sets must arrive in sequence) and memory
 * stays at about two batches.
 */
final class Restorer implements Consumer<SnapshotRecord>, AutoCloseable {

    private static final int BATCH = 500;

    private final ReplicaArchive archive;
    private final Optional<KeyService> keys;
    private final List<KeyService.MeshKey> pendingKeys = new ArrayList<>();
    private List<ReplicaArchive.Entry> batch = new ArrayList<>();
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "rhizome-restore-apply");
        t.setDaemon(true);
        return t;
    });
    private Future<Integer> inFlight;
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

    /** Applies what is left and waits for it; throws what a batch was refused with. */
    void finish() {
        installKeys();
        flush();
        awaitInFlight();
    }

    long applied() {
        return applied;
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }

    private void installKeys() {
        if (pendingKeys.isEmpty() || keys.isEmpty()) {
            return;
        }
        // A key of a later epoch is installed once the change sets before it are in.
        awaitInFlight();
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
        if (batch.isEmpty()) {
            return;
        }
        awaitInFlight();
        List<ReplicaArchive.Entry> entries = batch;
        batch = new ArrayList<>();
        inFlight = worker.submit(() -> archive.restore(entries).applied());
    }

    private void awaitInFlight() {
        if (inFlight == null) {
            return;
        }
        try {
            applied += inFlight.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("the restore was interrupted", e);
        } finally {
            inFlight = null;
        }
    }
}

package io.rhizome.core.internal.engine;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.store.EntityRef;
import io.rhizome.spi.store.ReplicaStore;
import io.rhizome.spi.store.StoreException;

/**
 * Saves the changed replicas with the log position they include, so that a start replays only the
 * log after it: every {@link SyncEngine.Config#checkpointEvery()} change sets in the background,
 * and synchronously on stop.
 */
final class Checkpointer {

    private static final Logger LOG = LoggerFactory.getLogger(Checkpointer.class);

    private record Pending(Map<EntityRef, byte[]> states, long position) {
    }

    private final ReplicaStore store;
    private final ReplicaCache cache;
    private final SyncEngine.Config config;
    /** Entities whose background checkpoint failed: changed again for the next one. */
    private final ConcurrentLinkedQueue<EntityRef> unsaved = new ConcurrentLinkedQueue<>();
    private final ExecutorService writer;
    private volatile CompletableFuture<Void> background;
    /** Change sets logged since the last checkpoint; engine thread (and recovery) only. */
    private long since;

    Checkpointer(String deviceId, ReplicaStore store, ReplicaCache cache, SyncEngine.Config config) {
        this.store = store;
        this.cache = cache;
        this.config = config;
        // One thread, only while there is a checkpoint to write (no idle thread per engine).
        ThreadPoolExecutor exec = new ThreadPoolExecutor(1, 1, 5, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "rhizome-checkpoint-" + SyncEngine.shortId(deviceId));
            t.setDaemon(true);
            return t;
        });
        exec.allowCoreThreadTimeOut(true);
        this.writer = exec;
    }

    /** A recovery replayed {@code count} change sets after the checkpoint. */
    void replayed(long count) {
        since = count;
    }

    /** A group logged {@code count} change sets; starts a background checkpoint when enough are. Engine thread. */
    void logged(int count) {
        since += count;
        if (since >= config.checkpointEvery()) {
            inBackground();
        }
    }

    /**
     * Saves every changed replica with the log position it includes, synchronously (on stop). Waits
     * for a checkpoint being written in the background first, so positions only grow.
     */
    void checkpoint() throws StoreException {
        awaitBackground();
        cache.lock.lock();
        try {
            Pending p = encodeDirty();
            if (p == null) {
                return;
            }
            try {
                store.checkpoint(p.states(), p.position());
            } catch (StoreException | RuntimeException e) {
                cache.changed(p.states().keySet());
                throw e;
            }
        } finally {
            cache.lock.unlock();
        }
    }

    /** Encodes the changed replicas and marks them clean; the caller must save them. Under the lock. */
    private Pending encodeDirty() {
        for (EntityRef ref; (ref = unsaved.poll()) != null;) {
            cache.changed(ref);
        }
        if (!cache.hasChanges()) {
            return null;
        }
        Map<EntityRef, byte[]> states = cache.encodeDirty();
        since = 0;
        return new Pending(states, store.head());
    }

    /**
     * The periodic checkpoint, from the engine thread: the states are encoded here (replicas are
     * confined to this thread), the store writes them on the checkpoint thread, so the engine goes
     * on applying meanwhile. Every state it encodes is durable in the log already, and a replay on
     * top of a newer checkpoint is harmless (operations are idempotent), so readers that load a
     * checkpoint while one is being written stay correct. If the write fails, the entities are
     * marked changed again and go into the next checkpoint. While one write is under way, no other
     * starts (the next group tries again).
     */
    private void inBackground() {
        CompletableFuture<Void> running = background;
        if (running != null && !running.isDone()) {
            return;
        }
        Pending p;
        cache.lock.lock();
        try {
            p = encodeDirty();
        } finally {
            cache.lock.unlock();
        }
        if (p == null) {
            return;
        }
        background = CompletableFuture.runAsync(() -> {
            try {
                store.checkpoint(p.states(), p.position());
            } catch (StoreException | RuntimeException e) {
                LOG.warn("checkpoint failed (the log replays on next start; retried with the next one): {}", e.getMessage());
                unsaved.addAll(p.states().keySet());
            }
        }, writer);
    }

    private void awaitBackground() {
        CompletableFuture<Void> running = background;
        if (running != null) {
            try {
                running.get(config.writeTimeoutMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                LOG.warn("background checkpoint did not finish: {}", e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

package io.rhizome.store.mapdb.internal;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import io.rhizome.spi.store.StoreException;

/**
 * What the readers and the committer of a {@link MapDbReplicaStore} share: the lock that keeps
 * readers from seeing a batch before it is durable, the in-memory view of the log (head and every
 * author's seqs), and whether the store is closed or failed.
 */
final class StoreState {

    final Path folder;
    final Path dataFile;
    /** Readers and the committer; held for writing only while a batch is applied and made durable. */
    final ReadWriteLock dataLock = new ReentrantReadWriteLock();
    /** Callers that queue a write hold it for reading; close holds it for writing, to refuse them. */
    final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
    /**
     * One entry per author device, which stays small whatever the length of the log: {highest
     * contiguous seq, highest seq}. Changed by the committer under the write lock, after its commit
     * is durable.
     */
    final Map<String, long[]> authorSeqs = new HashMap<>();
    volatile long head;
    /** The log position the checkpoints include (sealed in the file; changed by the committer after its commit). */
    volatile long checkpoint;
    /** What the last open quarantined (one sentence each); empty when every record opened. */
    volatile java.util.List<String> quarantined = java.util.List.of();
    volatile boolean closed;
    private volatile String failure;
    private volatile Runnable failureListener = () -> { };

    StoreState(Path folder, Path dataFile) {
        this.folder = folder;
        this.dataFile = dataFile;
    }

    void onFailure(Runnable listener) {
        this.failureListener = listener;
    }

    /** Why the store refuses calls, or null while it works. */
    String failure() {
        return failure;
    }

    /** Marks the store failed; the first failure tells the listener, on a thread of its own. */
    void failed(String reason) {
        boolean first = failure == null;
        failure = reason;
        if (first) {
            Thread t = new Thread(() -> failureListener.run(), "rhizome-store-failure " + folder);
            t.setDaemon(true);
            t.start();
        }
    }

    /** What a call refused after a failure is told: the store reopens by itself, and why it failed. */
    String unavailable(String reason) {
        return "the replica store in " + folder + " is unavailable until it is reopened (it reopens by itself once it "
                + "can, e.g. when disk space returns): " + reason;
    }

    /** A read of the maps, under the read lock. */
    interface Read<T> {
        T run() throws StoreException;
    }

    <T> T read(Read<T> body) throws StoreException {
        dataLock.readLock().lock();
        try {
            checkOpen();
            return body.run();
        } catch (RuntimeException e) {
            if (e instanceof IllegalArgumentException) {
                throw e;
            }
            throw new StoreException("cannot read " + dataFile + ": " + e, e);
        } finally {
            dataLock.readLock().unlock();
        }
    }

    void checkOpen() throws StoreException {
        if (closed) {
            throw new StoreException("the replica store in " + folder + " is closed");
        }
        String failed = failure;
        if (failed != null) {
            throw new StoreException(unavailable(failed));
        }
    }
}

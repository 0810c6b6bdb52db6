package io.rhizome.core.internal.engine;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.api.SyncException;
import io.rhizome.core.internal.protocol.ProtocolException;
import io.rhizome.spi.store.LogEntry;
import io.rhizome.spi.store.ReplicaStore;
import io.rhizome.spi.store.StoreException;

/**
 * The engine thread: drains whatever work is queued (local transactions and remote batches),
 * applies it to the replicas, and appends all the resulting change sets in one store call — many
 * concurrent writers share one commit (group commit). Each unit completes only once its change
 * sets are durable, and the new log entries go straight to the peers' {@link Outbox}es.
 */
final class GroupCommit {

    private static final Logger LOG = LoggerFactory.getLogger(GroupCommit.class);

    private sealed interface Work permits LocalWork, RemoteWork, Stop {
    }

    private record LocalWork(List<SyncEngine.LocalWrite> writes, CompletableFuture<Void> done) implements Work {
    }

    private record RemoteWork(String peerId, List<Inbox.Decoded> entries, CompletableFuture<Inbox.Received> done)
            implements Work {
    }

    private record Stop() implements Work {
    }

    private final ReplicaStore store;
    private final ReplicaCache cache;
    private final LocalWriter local;
    private final RemoteApplier remote;
    private final Recovery recovery;
    private final Checkpointer checkpointer;
    private final Outboxes outboxes;
    private final EngineListener listener;
    private final Map<String, Long> versions;
    private final int maxDrain;
    private final LinkedBlockingQueue<Work> queue = new LinkedBlockingQueue<>();
    final AtomicLong appliedRemote = new AtomicLong();
    final AtomicLong rejectedRemote;
    final AtomicLong localChangeSets = new AtomicLong();
    private Thread thread;

    GroupCommit(ReplicaStore store, ReplicaCache cache, LocalWriter local, RemoteApplier remote, Recovery recovery,
            Checkpointer checkpointer, Outboxes outboxes, EngineListener listener, Map<String, Long> versions, AtomicLong rejectedRemote,
            int maxDrain) {
        this.store = store;
        this.cache = cache;
        this.local = local;
        this.remote = remote;
        this.recovery = recovery;
        this.checkpointer = checkpointer;
        this.outboxes = outboxes;
        this.listener = listener;
        this.versions = versions;
        this.rejectedRemote = rejectedRemote;
        this.maxDrain = maxDrain;
    }

    void start(String name) {
        thread = new Thread(this::loop, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Stops the thread after the work queued before; fails what is queued after. */
    void stop() {
        queue.add(new Stop());
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void failQueued(Exception why) {
        for (Work w : queue) {
            fail(w, why);
        }
        queue.clear();
    }

    void local(List<SyncEngine.LocalWrite> writes, CompletableFuture<Void> done) {
        queue.add(new LocalWork(writes, done));
    }

    void remote(String peerId, List<Inbox.Decoded> entries, CompletableFuture<Inbox.Received> done) {
        queue.add(new RemoteWork(peerId, entries, done));
    }

    private void loop() {
        List<Work> group = new ArrayList<>();
        while (true) {
            group.clear();
            try {
                group.add(queue.take());
            } catch (InterruptedException e) {
                return;
            }
            queue.drainTo(group, maxDrain - 1);
            boolean stop = group.removeIf(w -> w instanceof Stop);
            if (!group.isEmpty()) {
                cache.durable.writeLock().lock();
                try {
                    process(group);
                } finally {
                    cache.durable.writeLock().unlock();
                }
            }
            if (stop) {
                return;
            }
        }
    }

    private void process(List<Work> group) {
        GroupOutcome out = new GroupOutcome(versions);
        // Refusals are reported in group order together with the successes (below), so that a
        // peer gets the answers to its batches in the order it sent them.
        Map<Work, Exception> refused = new IdentityHashMap<>();
        cache.lock.lock();
        try {
            for (Work w : group) {
                try {
                    if (w instanceof LocalWork lw) {
                        local.write(lw.writes(), () -> lw.done().complete(null), out);
                    } else if (w instanceof RemoteWork rw) {
                        remote.apply(rw.peerId(), rw.entries(), rw.done(), out);
                    }
                } catch (SyncException | ProtocolException e) {
                    if (w instanceof RemoteWork) {
                        rejectedRemote.incrementAndGet();
                    }
                    refused.put(w, e);
                } catch (RuntimeException e) {
                    LOG.error("unexpected failure applying {}", w.getClass().getSimpleName(), e);
                    refused.put(w, w instanceof RemoteWork
                            ? new ProtocolException(ProtocolException.INVALID_CHANGE_SET, "could not apply: " + e)
                            : new SyncException(SyncException.Reason.INVALID_VALUE, "could not apply: " + e));
                }
            }
        } finally {
            cache.lock.unlock();
        }
        List<LogEntry> appended = List.of();
        if (!out.entries.isEmpty()) {
            try {
                appended = store.append(out.entries, Map.of());
            } catch (StoreException | RuntimeException e) {
                LOG.error("the store refused {} change set(s): {}; rebuilding the in-memory state from the store", out.entries.size(),
                        e.getMessage());
                // Rebuild first, so that no caller can read what failed once it is told so.
                recovery.recoverOrLog();
                for (Work w : group) {
                    Exception why = refused.get(w);
                    fail(w, why != null ? why : w instanceof RemoteWork
                            ? new ProtocolException(ProtocolException.UNAVAILABLE, "storage failure: " + e.getMessage())
                            : new SyncException(SyncException.Reason.STORAGE, "storage failure: " + e.getMessage(), e));
                }
                return;
            }
        }
        versions.putAll(out.pending);
        localChangeSets.addAndGet(out.localCount);
        appliedRemote.addAndGet(out.remoteCount);
        // Each accepted work added exactly one completion, in group order.
        Iterator<Runnable> completions = out.onDurable.iterator();
        for (Work w : group) {
            Exception why = refused.get(w);
            if (why != null) {
                fail(w, why);
            } else {
                completions.next().run();
            }
        }
        if (!out.changes.isEmpty()) {
            try {
                listener.entitiesChanged(out.changes);
            } catch (RuntimeException e) {
                LOG.warn("engine listener failed", e);
            }
        }
        if (!appended.isEmpty()) {
            outboxes.appended(appended);
        }
        checkpointer.logged(out.entries.size());
    }

    /**
     * A local write's storage failure as its caller must hear it: whether anything was stored. The
     * store's own answers to an append say it; any other storage failure (reading state, sealing)
     * happened before the append, so nothing of the write was stored.
     */
    static Exception told(Exception e) {
        if (e instanceof SyncException se && se.reason() == SyncException.Reason.STORAGE) {
            String m = String.valueOf(se.getMessage());
            if (!m.contains("was stored") && !m.contains("is unknown") && !m.contains("may still be stored")) {
                return new SyncException(SyncException.Reason.STORAGE, "nothing of this write was stored: " + m, se);
            }
        }
        return e;
    }

    private static void fail(Work w, Exception e) {
        if (w instanceof LocalWork lw) {
            lw.done().completeExceptionally(told(e));
        } else if (w instanceof RemoteWork rw) {
            rw.done().completeExceptionally(e);
        }
    }
}

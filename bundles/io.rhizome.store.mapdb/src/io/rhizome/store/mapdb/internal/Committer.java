package io.rhizome.store.mapdb.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.mapdb.DB;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.store.EntityRef;
import io.rhizome.spi.store.LogEntry;
import io.rhizome.spi.store.NewEntry;
import io.rhizome.spi.store.StoreException;

/**
 * The single thread that writes a {@link MapDbReplicaStore}: it takes every waiting call from the
 * queue, applies them to the maps and makes them durable with one commit of the
 * {@link PagedRedoVolume} (group commit), then completes each call. It holds the write lock from
 * the first change of a batch until that batch is durable, so readers never see a write that could
 * still be lost.
 */
final class Committer {

    private static final Logger LOG = LoggerFactory.getLogger(Committer.class);
    private static final int CHUNK_MAX_ENTRIES = 512;
    private static final int CHUNK_MAX_BYTES = 60 * 1024;
    private static final int SEGMENT = StoreMaps.SEGMENT;
    /** How a write refused before it reached the files begins its message: the caller must know it was not stored. */
    static final String NOT_STORED = "nothing of this write was stored: ";

    /** One queued write call; {@code checkpointAt} is -1 unless it is a checkpoint. */
    record Write(List<NewEntry> entries, Map<String, byte[]> metaUpdates, Map<String, byte[]> spaceUpdates,
            Map<EntityRef, byte[]> states, long checkpointAt, CompletableFuture<List<LogEntry>> done) {

        int weight() {
            return 1 + entries.size() + metaUpdates.size() + spaceUpdates.size() + states.size();
        }
    }

    private final StoreSettings settings;
    private final StoreState state;
    private final StoreMaps maps;
    private final SealedRecords sealed;
    private final DB db;
    private final PagedRedoVolume volume;
    private final Path folder;
    private final Path dataFile;
    private final BlockingQueue<Write> queue;
    private final Thread thread;

    Committer(StoreSettings settings, StoreState state, StoreMaps maps, SealedRecords sealed, DB db, PagedRedoVolume volume,
            Path dataFile) {
        this.settings = settings;
        this.state = state;
        this.maps = maps;
        this.sealed = sealed;
        this.db = db;
        this.volume = volume;
        this.folder = settings.folder();
        this.dataFile = dataFile;
        this.queue = new ArrayBlockingQueue<>(settings.queueCapacity());
        this.thread = new Thread(this::commitLoop, "rhizome-store-committer " + folder);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Queues a write and waits until it is durable (or failed). */
    List<LogEntry> submit(Write write) throws StoreException {
        state.lifecycle.readLock().lock();
        try {
            try {
                state.checkOpen();
            } catch (StoreException e) {
                throw new StoreException(NOT_STORED + e.getMessage(), e);
            }
            enqueue(write);
        } finally {
            state.lifecycle.readLock().unlock();
        }
        return await(write.done());
    }

    /** Waits without giving up on interrupt: the contract is that a returned write is durable. */
    private List<LogEntry> await(CompletableFuture<List<LogEntry>> done) throws StoreException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return done.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof StoreException se) {
                        throw new StoreException(se.getMessage(), se);
                    }
                    if (cause instanceof IllegalArgumentException iae) {
                        throw new IllegalArgumentException(iae.getMessage(), iae);
                    }
                    throw new StoreException("write to " + dataFile + " failed: " + cause, cause);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Queues a write, waiting for room without giving up on interrupt (the interrupt is kept). */
    private void enqueue(Write write) {
        boolean interrupted = false;
        while (true) {
            try {
                queue.put(write);
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits for the thread to commit what was queued and end (it ends once the store is closed). */
    void awaitEnd(long millis) {
        try {
            thread.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.error("replica store {}: the committer did not finish within 60 s; closing anyway", folder);
        }
    }

    private void commitLoop() {
        List<Write> batch = new ArrayList<>();
        while (true) {
            Write first;
            try {
                first = queue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                first = null;
            }
            if (first == null) {
                if (state.closed && queue.isEmpty()) {
                    return;
                }
                continue;
            }
            batch.add(first);
            int weight = first.weight();
            Write next;
            while (weight < settings.maxBatchEntries() && (next = queue.poll()) != null) {
                batch.add(next);
                weight += next.weight();
            }
            commit(batch);
            batch.clear();
        }
    }

    private void commit(List<Write> batch) {
        List<Object> outcomes = new ArrayList<>(batch.size());
        String failed = state.failure();
        if (failed != null) {
            StoreException e = new StoreException(NOT_STORED + state.unavailable(failed));
            batch.forEach(w -> w.done().completeExceptionally(e));
            return;
        }
        state.dataLock.writeLock().lock();
        long ta0 = System.nanoTime();
        try {
            long newHead = state.head;
            long checkpoint = state.checkpoint;
            Map<String, long[]> touchedAuthors = new HashMap<>();
            long chunksStart = newHead;
            ChunkWriter chunks = new ChunkWriter(newHead);
            Map<String, long[]> segments = new HashMap<>();
            for (Write w : batch) {
                if (w.checkpointAt() > newHead) {
                    outcomes.add(new IllegalArgumentException("checkpoint position " + w.checkpointAt()
                            + " is beyond the log head " + newHead));
                    continue;
                }
                List<LogEntry> appended = new ArrayList<>();
                for (NewEntry e : w.entries()) {
                    long[] segment = segment(segments, e.stream(), e.seq());
                    int slot = (int) (e.seq() & (SEGMENT - 1));
                    if (segment[slot] != 0) {
                        continue;
                    }
                    long position = newHead++;
                    segment[slot] = position + 1;
                    chunks.add(LogCodec.encode(e));
                    long[] seqs = touchedAuthors.computeIfAbsent(e.stream(), a -> {
                        long[] known = state.authorSeqs.get(a);
                        return known == null ? new long[] {0, 0} : known.clone();
                    });
                    seqs[1] = Math.max(seqs[1], e.seq());
                    if (e.seq() == seqs[0] + 1) {
                        seqs[0] = e.seq();
                        // Only an author whose seqs arrived out of order has a gap to close.
                        while (seqs[1] > seqs[0] && segment(segments, e.stream(), seqs[0] + 1)[(int) ((seqs[0] + 1)
                                & (SEGMENT - 1))] != 0) {
                            seqs[0]++;
                        }
                    }
                    appended.add(new LogEntry(position, e.stream(), e.seq(), e.payload()));
                }
                w.metaUpdates().forEach((name, value) -> {
                    if (value.length == 0) {
                        maps.meta.remove(name);
                    } else {
                        maps.meta.put(name, sealed.sealMeta(SealedRecords.META, name, value));
                    }
                });
                w.spaceUpdates().forEach((key, value) -> {
                    if (value.length == 0) {
                        maps.spaces.remove(key);
                    } else {
                        maps.spaces.put(key, sealed.sealMeta(SealedRecords.SPACES, key, value));
                    }
                });
                if (w.checkpointAt() >= 0) {
                    w.states().forEach((ref, state) -> {
                        String key = sealed.stateKey(ref.namespace(), ref.key());
                        if (state.length == 0) {
                            maps.states.remove(key);
                        } else {
                            maps.states.put(key, sealed.sealState(key, ref.namespace(), ref.key(), state));
                        }
                    });
                    maps.records.put(SealedRecords.RECORD_CHECKPOINT, sealed.sealPosition(w.checkpointAt()));
                    checkpoint = w.checkpointAt();
                }
                outcomes.add(Collections.unmodifiableList(appended));
            }
            chunks.flush();
            segments.forEach(maps.bySeq::put);
            if (!touchedAuthors.isEmpty()) {
                Map<String, long[]> all = new HashMap<>(state.authorSeqs);
                all.putAll(touchedAuthors);
                maps.records.put(StoreMaps.RECORD_AUTHORS, sealed.sealRecord(StoreMaps.RECORD_AUTHORS, LogCodec.encodeAuthors(all)));
            }
            if (newHead != state.head) {
                maps.sys.put(StoreMaps.SYS_HEAD, newHead);
            }
            long tc0 = System.nanoTime();
            try {
                db.commit();
            } catch (PagedRedoVolume.ApplyFailedException e) {
                // The batch is durable (the redo file is replayed on the next open), but the
                // in-memory view can no longer be trusted: report success, refuse further calls.
                state.head = newHead;
                state.checkpoint = checkpoint;
                state.authorSeqs.putAll(touchedAuthors);
                state.failed("an earlier commit reached the redo file (it is applied when the store reopens) but not the "
                        + "data file: " + e.getMessage());
                LOG.error("replica store {} failed after a durable commit: {}", folder, e.getMessage());
            }
            state.head = newHead;
            state.checkpoint = checkpoint;
            state.authorSeqs.putAll(touchedAuthors);
            if (LOG.isDebugEnabled()) {
                LOG.debug("commit of {} calls, {} new entries: {} ms to apply, {} ms to make durable", batch.size(),
                        newHead - chunksStart, (tc0 - ta0) / 1_000_000, (System.nanoTime() - tc0) / 1_000_000);
            }
        } catch (RuntimeException | Error e) {
            // Nothing of the batch reached the data file; the in-memory maps may have, so drop them.
            volume.discardUnsynced();
            state.failed("a commit to " + dataFile + " failed: " + e);
            LOG.error("replica store commit failed in {}", dataFile, e);
            StoreException se = outcomeUnknown(e)
                    ? new StoreException("commit to " + dataFile + " failed and whether it was stored is unknown: read the "
                            + "values back once the store has reopened before writing them again: " + e, e)
                    : new StoreException(NOT_STORED + "the commit to " + dataFile + " failed: " + e, e);
            outcomes.clear();
            batch.forEach(w -> outcomes.add(se));
        } finally {
            state.dataLock.writeLock().unlock();
        }
        for (int i = 0; i < batch.size(); i++) {
            Object outcome = outcomes.get(i);
            if (outcome instanceof Throwable t) {
                batch.get(i).done().completeExceptionally(t);
            } else {
                @SuppressWarnings("unchecked")
                List<LogEntry> appended = (List<LogEntry>) outcome;
                batch.get(i).done().complete(appended);
            }
        }
    }

    private static boolean outcomeUnknown(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RedoOutcomeUnknownException) {
                return true;
            }
        }
        return false;
    }

    /** The index segment holding (author, seq), loaded once per batch and written back at its end. */
    private long[] segment(Map<String, long[]> batchSegments, String author, long seq) {
        return batchSegments.computeIfAbsent(StoreMaps.segmentKey(author, seq), key -> {
            long[] stored = maps.bySeq.get(key);
            return stored == null ? new long[SEGMENT] : stored;
        });
    }

    /** Collects a batch's new entries into chunks of bounded size. */
    private final class ChunkWriter {
        private final List<byte[]> pending = new ArrayList<>();
        private long start;
        private int bytes;

        ChunkWriter(long start) {
            this.start = start;
        }

        void add(byte[] stored) {
            if (!pending.isEmpty() && (pending.size() >= CHUNK_MAX_ENTRIES || bytes + stored.length > CHUNK_MAX_BYTES)) {
                flush();
            }
            pending.add(stored);
            bytes += stored.length;
        }

        void flush() {
            if (pending.isEmpty()) {
                return;
            }
            maps.log.put(start, sealed.sealChunk(start, LogCodec.encodeChunk(pending)));
            start += pending.size();
            pending.clear();
            bytes = 0;
        }
    }
}

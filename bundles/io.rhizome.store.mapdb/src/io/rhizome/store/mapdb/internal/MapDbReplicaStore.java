package io.rhizome.store.mapdb.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.store.EntityRef;
import io.rhizome.spi.store.LogEntry;
import io.rhizome.spi.store.NewEntry;
import io.rhizome.spi.store.ReplicaStore;
import io.rhizome.spi.store.StoreException;

/**
 * The {@link ReplicaStore} on MapDB B-trees in one file of the data folder.
 *
 * <p>Writes (append, putMeta, checkpoint) are queued to a single committer thread, which applies
 * every waiting call to the maps and makes them durable with one commit of the
 * {@link PagedRedoVolume} (group commit); each caller returns once its commit is on disk. The
 * committer holds the write lock from the first change of a batch until that batch is durable, so
 * readers (read lock) never see a write that could still be lost.
 *
 * <p>Nothing on the heap grows with the log: the log and its indexes live in the file; the heap
 * holds the head position, a bounded page cache and the calls of the batch in flight.
 */
public final class MapDbReplicaStore implements ReplicaStore, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MapDbReplicaStore.class);

    static final String DATA_FILE = "replica.mapdb";
    static final String REDO_FILE = "replica.redo";
    static final String LOCK_FILE = "replica.lock";
    private static final String SYS_HEAD = "head";
    private static final String SYS_CHECKPOINT = "checkpoint";
    private static final String SYS_FORMAT = "format";
    private static final String RECORD_AUTHORS = "authors";
    private static final long FORMAT = 2;
    private static final int CHUNK_MAX_ENTRIES = 512;
    private static final int CHUNK_MAX_BYTES = 60 * 1024;

    private final StoreSettings settings;
    private final Path folder;
    private final Path dataFile;
    private final FolderLock lock;
    private final PagedRedoVolume volume;
    private final DB db;
    /** Log chunks (see {@link LogCodec#encodeChunk}) by the position of their first entry. */
    private final BTreeMap<Long, byte[]> log;
    /**
     * The (author, seq) index in segments: key {@link LogCodec#seqKey seqKey(author, seq / 256)},
     * value the positions of that author's 256 seqs (position + 1; 0 = not in the log). An
     * author's change sets arrive mostly in order, so a commit touches one segment per author
     * instead of one index entry per log entry.
     */
    private final BTreeMap<String, long[]> bySeq;
    /**
     * Small records rewritten as a whole: {@code authors} holds every author's {highest contiguous
     * seq, highest seq}, one record for all authors so a commit rewrites it once.
     */
    private final BTreeMap<String, byte[]> records;
    /**
     * The same, on the heap: one entry per author device, which stays small whatever the length of
     * the log. Changed by the committer under the write lock, after its commit is durable.
     */
    private final Map<String, long[]> authorSeqs = new HashMap<>();
    private final BTreeMap<String, byte[]> meta;
    private final BTreeMap<String, byte[]> states;
    private final BTreeMap<String, Long> sys;

    private final ReadWriteLock dataLock = new ReentrantReadWriteLock();
    private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private final BlockingQueue<Write> queue;
    private final Thread committer;
    private volatile long head;
    private volatile boolean closed;
    private volatile String failure;
    private volatile Runnable failureListener = () -> { };

    private MapDbReplicaStore(StoreSettings settings, FolderLock lock, PagedRedoVolume volume, DB db) {
        this.settings = settings;
        this.folder = settings.folder();
        this.dataFile = folder.resolve(DATA_FILE);
        this.lock = lock;
        this.volume = volume;
        this.db = db;
        this.log = db.treeMap("log", Serializer.LONG, Serializer.BYTE_ARRAY).valuesOutsideNodesEnable()
                .createOrOpen();
        this.bySeq = db.treeMap("seq", Serializer.STRING, Serializer.LONG_ARRAY).valuesOutsideNodesEnable()
                .createOrOpen();
        this.records = db.treeMap("records", Serializer.STRING, Serializer.BYTE_ARRAY).valuesOutsideNodesEnable()
                .createOrOpen();
        this.meta = db.treeMap("meta", Serializer.STRING, Serializer.BYTE_ARRAY).valuesOutsideNodesEnable()
                .createOrOpen();
        this.states = db.treeMap("states", Serializer.STRING, Serializer.BYTE_ARRAY).valuesOutsideNodesEnable()
                .createOrOpen();
        this.sys = db.treeMap("sys", Serializer.STRING, Serializer.LONG).createOrOpen();
        this.queue = new ArrayBlockingQueue<>(settings.queueCapacity());
        this.committer = new Thread(this::commitLoop, "rhizome-store-committer " + folder);
        this.committer.setDaemon(true);
    }

    /**
     * Opens the store in {@code settings.folder()}, creating it when empty.
     *
     * @throws StoreException naming the file when the folder cannot be created, is in use by
     *                        another process or store, or holds a corrupt or foreign file
     */
    public static MapDbReplicaStore open(StoreSettings settings) throws StoreException {
        Path folder = settings.folder();
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new StoreException("cannot create the data folder " + folder + ": " + e, e);
        }
        FolderLock lock = FolderLock.acquire(folder.resolve(LOCK_FILE));
        Path dataFile = folder.resolve(DATA_FILE);
        PagedRedoVolume volume = null;
        DB db = null;
        try {
            try {
                volume = PagedRedoVolume.open(dataFile, folder.resolve(REDO_FILE),
                        (int) Math.min(Integer.MAX_VALUE, (long) settings.cacheMegabytes() << 20 >> PagedRedoVolume.PAGE_SHIFT));
            } catch (IOException e) {
                throw new StoreException("cannot open " + dataFile + ": " + e, e);
            }
            MapDbReplicaStore store;
            try {
                db = DBMaker.volumeDB(volume, volume.length() > 0).make();
                store = new MapDbReplicaStore(settings, lock, volume, db);
                store.initialise();
            } catch (StoreException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new StoreException(dataFile + " is not a readable Rhizome store (corrupt, or not a MapDB file): "
                        + e, e);
            }
            store.committer.start();
            LOG.info("replica store open: {} (log head {}, {} authors)", dataFile, store.head, store.authorSeqs.size());
            return store;
        } catch (StoreException | RuntimeException | Error e) {
            if (db != null) {
                try {
                    db.close();
                } catch (RuntimeException ignored) {
                    // already failing; the first error is the one to report
                }
            }
            if (volume != null) {
                volume.close();
            }
            lock.release();
            throw e;
        }
    }

    private void initialise() throws StoreException {
        Long format = sys.get(SYS_FORMAT);
        if (format == null) {
            if (!log.isEmpty()) {
                throw new StoreException(dataFile + " has a log but no format marker: not a Rhizome store");
            }
            sys.put(SYS_FORMAT, FORMAT);
            sys.put(SYS_HEAD, 0L);
            sys.put(SYS_CHECKPOINT, 0L);
        } else if (format != FORMAT) {
            throw new StoreException(dataFile + " has store format " + format + "; this version reads format " + FORMAT);
        }
        db.commit();
        long storedHead = sys.getOrDefault(SYS_HEAD, 0L);
        long derived = 0;
        if (!log.isEmpty()) {
            Map.Entry<Long, byte[]> last = log.lastEntry();
            derived = last.getKey() + LogCodec.chunkCount(last.getValue());
        }
        if (storedHead != derived) {
            throw new StoreException(dataFile + " is inconsistent: head " + storedHead + " but the log ends at " + derived);
        }
        byte[] storedAuthors = records.get(RECORD_AUTHORS);
        if (storedAuthors != null) {
            authorSeqs.putAll(LogCodec.decodeAuthors(storedAuthors));
        }
        head = storedHead;
    }

    /**
     * Called once, on a thread of its own, when the store fails and refuses further calls (a
     * commit could not be written); the owner then withdraws the service.
     */
    public void onFailure(Runnable listener) {
        this.failureListener = listener;
    }

    private void failed(String reason) {
        boolean first = failure == null;
        failure = reason;
        if (first) {
            Thread t = new Thread(() -> failureListener.run(), "rhizome-store-failure " + folder);
            t.setDaemon(true);
            t.start();
        }
    }

    @Override
    public String location() {
        return folder.toString();
    }

    // ------------------------------------------------------------------ writes

    /** One queued write call; {@code checkpointAt} is -1 unless it is a checkpoint. */
    private record Write(List<NewEntry> entries, Map<String, byte[]> metaUpdates, Map<EntityRef, byte[]> states,
            long checkpointAt, CompletableFuture<List<LogEntry>> done) {

        int weight() {
            return 1 + entries.size() + metaUpdates.size() + states.size();
        }
    }

    @Override
    public List<LogEntry> append(List<NewEntry> entries, Map<String, byte[]> metaUpdates) throws StoreException {
        List<NewEntry> e = List.copyOf(entries);
        Map<String, byte[]> m = copyMeta(metaUpdates);
        if (e.isEmpty() && m.isEmpty()) {
            checkOpen();
            return List.of();
        }
        return submit(new Write(e, m, Map.of(), -1, new CompletableFuture<>()));
    }

    @Override
    public void putMeta(Map<String, byte[]> updates) throws StoreException {
        Map<String, byte[]> m = copyMeta(updates);
        if (m.isEmpty()) {
            checkOpen();
            return;
        }
        submit(new Write(List.of(), m, Map.of(), -1, new CompletableFuture<>()));
    }

    @Override
    public void checkpoint(Map<EntityRef, byte[]> states, long includesLogUpTo) throws StoreException {
        if (includesLogUpTo < 0) {
            throw new IllegalArgumentException("negative log position: " + includesLogUpTo);
        }
        Map<EntityRef, byte[]> copy = new HashMap<>();
        states.forEach((ref, state) -> copy.put(requireNonNull(ref, "entity"), requireNonNull(state, "state of " + ref).clone()));
        submit(new Write(List.of(), Map.of(), copy, includesLogUpTo, new CompletableFuture<>()));
    }

    private static <T> T requireNonNull(T value, String what) {
        if (value == null) {
            throw new NullPointerException(what + " is null");
        }
        return value;
    }

    private static Map<String, byte[]> copyMeta(Map<String, byte[]> updates) {
        Map<String, byte[]> copy = new HashMap<>();
        updates.forEach((name, value) -> copy.put(requireNonNull(name, "metadata name"),
                requireNonNull(value, "metadata value " + name).clone()));
        return copy;
    }

    private List<LogEntry> submit(Write write) throws StoreException {
        lifecycle.readLock().lock();
        try {
            checkOpen();
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
        } finally {
            lifecycle.readLock().unlock();
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
                if (closed && queue.isEmpty()) {
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
        String failed = failure;
        if (failed != null) {
            StoreException e = new StoreException(failed);
            batch.forEach(w -> w.done().completeExceptionally(e));
            return;
        }
        dataLock.writeLock().lock();
        long ta0 = System.nanoTime();
        try {
            long newHead = head;
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
                        long[] known = authorSeqs.get(a);
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
                        meta.remove(name);
                    } else {
                        meta.put(name, value);
                    }
                });
                if (w.checkpointAt() >= 0) {
                    w.states().forEach((ref, state) -> {
                        String key = LogCodec.entityKey(ref.namespace(), ref.key());
                        if (state.length == 0) {
                            states.remove(key);
                        } else {
                            states.put(key, state);
                        }
                    });
                    sys.put(SYS_CHECKPOINT, w.checkpointAt());
                }
                outcomes.add(Collections.unmodifiableList(appended));
            }
            chunks.flush();
            segments.forEach(bySeq::put);
            if (!touchedAuthors.isEmpty()) {
                Map<String, long[]> all = new HashMap<>(authorSeqs);
                all.putAll(touchedAuthors);
                records.put(RECORD_AUTHORS, LogCodec.encodeAuthors(all));
            }
            if (newHead != head) {
                sys.put(SYS_HEAD, newHead);
            }
            long tc0 = System.nanoTime();
            try {
                db.commit();
            } catch (PagedRedoVolume.ApplyFailedException e) {
                // The batch is durable (the redo file is replayed on the next open), but the
                // in-memory view can no longer be trusted: report success, refuse further calls.
                head = newHead;
                authorSeqs.putAll(touchedAuthors);
                failed("the store in " + folder + " must be reopened: " + e.getMessage());
                LOG.error("replica store {} failed after a durable commit: {}", folder, e.getMessage());
            }
            head = newHead;
            authorSeqs.putAll(touchedAuthors);
            if (LOG.isDebugEnabled()) {
                LOG.debug("commit of {} calls, {} new entries: {} ms to apply, {} ms to make durable", batch.size(),
                        newHead - chunksStart, (tc0 - ta0) / 1_000_000, (System.nanoTime() - tc0) / 1_000_000);
            }
        } catch (RuntimeException | Error e) {
            // Nothing of the batch reached the data file; the in-memory maps may have, so drop them.
            volume.discardUnsynced();
            failed("the store in " + folder + " failed and must be reopened: a commit to " + dataFile + " failed: " + e);
            LOG.error("replica store commit failed in {}", dataFile, e);
            StoreException se = new StoreException("commit to " + dataFile + " failed, nothing of it was written: " + e, e);
            outcomes.clear();
            batch.forEach(w -> outcomes.add(se));
        } finally {
            dataLock.writeLock().unlock();
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

    private static final int SEGMENT = 256;

    private static String segmentKey(String author, long seq) {
        return LogCodec.seqKey(author, seq / SEGMENT);
    }

    /** The index segment holding (author, seq), loaded once per batch and written back at its end. */
    private long[] segment(Map<String, long[]> batchSegments, String author, long seq) {
        return batchSegments.computeIfAbsent(segmentKey(author, seq), key -> {
            long[] stored = bySeq.get(key);
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
            log.put(start, LogCodec.encodeChunk(pending));
            start += pending.size();
            pending.clear();
            bytes = 0;
        }
    }

    // ------------------------------------------------------------------ reads

    private interface Read<T> {
        T run() throws StoreException;
    }

    private <T> T read(Read<T> body) throws StoreException {
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

    private void checkOpen() throws StoreException {
        if (closed) {
            throw new StoreException("the replica store in " + folder + " is closed");
        }
        String failed = failure;
        if (failed != null) {
            throw new StoreException(failed);
        }
    }

    @Override
    public List<LogEntry> read(long fromPosition, int maxEntries, long maxBytes) throws StoreException {
        if (fromPosition < 0) {
            throw new IllegalArgumentException("negative log position: " + fromPosition);
        }
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be at least 1, not " + maxEntries);
        }
        return read(() -> {
            long limit = head;
            List<LogEntry> out = new ArrayList<>();
            if (fromPosition >= limit) {
                return out;
            }
            Long startKey = log.floorKey(fromPosition);
            if (startKey == null) {
                throw new StoreException(dataFile + " is inconsistent: no log chunk holds position " + fromPosition);
            }
            long bytes = 0;
            for (Map.Entry<Long, byte[]> c : log.tailMap(startKey, true).entrySet()) {
                long base = c.getKey();
                byte[] chunk = c.getValue();
                int count = LogCodec.chunkCount(chunk);
                for (int i = (int) Math.max(0, fromPosition - base); i < count; i++) {
                    long position = base + i;
                    if (position >= limit) {
                        return out;
                    }
                    byte[] stored = LogCodec.chunkEntry(chunk, i);
                    int size = LogCodec.payloadLength(stored);
                    if (!out.isEmpty() && bytes + size > maxBytes) {
                        return out;
                    }
                    out.add(LogCodec.decode(position, stored));
                    bytes += size;
                    if (out.size() >= maxEntries || bytes >= maxBytes) {
                        return out;
                    }
                }
            }
            return out;
        });
    }

    @Override
    public Optional<LogEntry> get(String stream, long seq) throws StoreException {
        String key = segmentKey(stream, seq);
        return read(() -> {
            long[] segment = bySeq.get(key);
            long stored = segment == null ? 0 : segment[(int) (seq & (SEGMENT - 1))];
            long position = stored - 1;
            if (stored == 0 || position >= head) {
                return Optional.empty();
            }
            Map.Entry<Long, byte[]> chunk = log.floorEntry(position);
            if (chunk == null || position - chunk.getKey() >= LogCodec.chunkCount(chunk.getValue())) {
                throw new StoreException(dataFile + " is inconsistent: (" + stream + ", " + seq + ") points to position "
                        + position + ", which is not in the log");
            }
            return Optional.of(LogCodec.decode(position,
                    LogCodec.chunkEntry(chunk.getValue(), (int) (position - chunk.getKey()))));
        });
    }

    @Override
    public long head() {
        return head;
    }

    @Override
    public Map<String, Long> streamSeqs() throws StoreException {
        return read(() -> {
            Map<String, Long> out = new TreeMap<>();
            authorSeqs.forEach((author, seqs) -> out.put(author, seqs[0]));
            return Collections.unmodifiableMap(out);
        });
    }

    @Override
    public Optional<byte[]> meta(String name) throws StoreException {
        return read(() -> Optional.ofNullable(meta.get(name)));
    }

    @Override
    public Map<String, byte[]> metaWithPrefix(String prefix) throws StoreException {
        return read(() -> {
            Map<String, byte[]> out = new TreeMap<>();
            for (Map.Entry<String, byte[]> e : meta.tailMap(prefix, true).entrySet()) {
                if (!e.getKey().startsWith(prefix)) {
                    break;
                }
                out.put(e.getKey(), e.getValue());
            }
            return Collections.unmodifiableMap(out);
        });
    }

    @Override
    public Optional<byte[]> entityState(EntityRef entity) throws StoreException {
        String key = LogCodec.entityKey(entity.namespace(), entity.key());
        return read(() -> Optional.ofNullable(states.get(key)));
    }

    @Override
    public List<String> checkpointedKeys(String namespace) throws StoreException {
        String prefix = LogCodec.entityPrefix(namespace);
        return read(() -> {
            List<String> out = new ArrayList<>();
            for (String key : states.tailMap(prefix, true).keySet()) {
                if (!key.startsWith(prefix)) {
                    break;
                }
                out.add(key.substring(prefix.length()));
            }
            return Collections.unmodifiableList(out);
        });
    }

    @Override
    public long checkpointPosition() throws StoreException {
        return read(() -> sys.getOrDefault(SYS_CHECKPOINT, 0L));
    }

    // ------------------------------------------------------------------ lifecycle

    /** For tests: the volume, to simulate crashes inside a commit. */
    PagedRedoVolume volume() {
        return volume;
    }

    /**
     * Stops taking writes, commits every write already queued, and closes the files. Idempotent.
     */
    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
        } finally {
            lifecycle.writeLock().unlock();
        }
        try {
            committer.join(TimeUnit.SECONDS.toMillis(60));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (committer.isAlive()) {
            LOG.error("replica store {}: the committer did not finish within 60 s; closing anyway", folder);
        }
        dataLock.writeLock().lock();
        try {
            // Anything not committed by now was never acknowledged: drop it rather than let
            // MapDB's close write it.
            volume.discardUnsynced();
            try {
                db.close();
            } catch (RuntimeException e) {
                LOG.warn("closing {}: {}", dataFile, e.toString());
            }
            volume.close();
        } finally {
            dataLock.writeLock().unlock();
            lock.release();
        }
        LOG.info("replica store closed: {} (log head {})", dataFile, head);
    }
}

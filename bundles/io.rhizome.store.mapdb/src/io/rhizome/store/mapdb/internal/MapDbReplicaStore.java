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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.mapdb.DB;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.store.EntityRef;
import io.rhizome.spi.store.LogEntry;
import io.rhizome.spi.store.MetadataOwner;
import io.rhizome.spi.store.MetadataSpace;
import io.rhizome.spi.store.NewEntry;
import io.rhizome.spi.store.ReplicaStore;
import io.rhizome.spi.store.StoreException;

/**
 * The {@link ReplicaStore} on MapDB B-trees in one file of the data folder.
 *
 * <p>Writes (append, putMeta, checkpoint, {@link MapDbMetadataSpace metadata space} updates) are
 * queued to the {@link Committer}, one thread which applies every waiting call to the maps and
 * makes them durable with one commit of the {@link PagedRedoVolume} (group commit); each caller
 * returns once its commit is on disk. The committer holds the write lock from the first change of
 * a batch until that batch is durable, so readers (read lock) never see a write that could still
 * be lost.
 *
 * <p>Nothing on the heap grows with the log: the log and its indexes live in the file; the heap
 * holds the head position, a bounded page cache and the calls of the batch in flight.
 */
public final class MapDbReplicaStore implements ReplicaStore, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MapDbReplicaStore.class);

    static final String DATA_FILE = "replica.mapdb";
    static final String REDO_FILE = "replica.redo";
    static final String LOCK_FILE = "replica.lock";

    private final Path folder;
    private final Path dataFile;
    private final FolderLock lock;
    private final PagedRedoVolume volume;
    private final DB db;
    private final StoreMaps maps;
    private final SealedRecords sealed;
    private final StoreState state;
    private final Committer committer;

    private MapDbReplicaStore(StoreSettings settings, FolderLock lock, PagedRedoVolume volume, DB db, StoreMaps maps,
            RecordSeal seal) {
        this.folder = settings.folder();
        this.dataFile = folder.resolve(DATA_FILE);
        this.lock = lock;
        this.volume = volume;
        this.db = db;
        this.maps = maps;
        this.sealed = new SealedRecords(seal, dataFile);
        this.state = new StoreState(folder, dataFile);
        this.committer = new Committer(settings, state, maps, sealed, db, volume, dataFile);
    }

    /**
     * Opens the store in {@code settings.folder()}, creating it when empty, with every record
     * sealed under {@code storeKey} (see {@link RecordSeal}). A plaintext store of an older
     * version (format 2 or 3) is sealed first ({@link PlaintextMigration}).
     *
     * @param storeKey the home's 32-byte store key (the key service keeps it)
     * @throws StoreException naming the file when the folder cannot be created, is in use by
     *                        another process or store, holds a corrupt or foreign file, or was
     *                        sealed under another key
     */
    public static MapDbReplicaStore open(StoreSettings settings, byte[] storeKey) throws StoreException {
        RecordSeal seal = new RecordSeal(storeKey);
        Path folder = settings.folder();
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new StoreException("cannot create the data folder " + folder + ": " + e, e);
        }
        FolderLock lock = FolderLock.acquire(folder.resolve(LOCK_FILE));
        try {
            PlaintextMigration.finishOrDiscard(folder);
            StoreFiles files = StoreFiles.open(settings, folder);
            if (StoreMaps.plaintext(files.maps().format())) {
                files.discardAndClose();
                PlaintextMigration.migrate(settings, seal);
                files = StoreFiles.open(settings, folder);
            }
            return open(settings, lock, files, seal);
        } catch (StoreException | RuntimeException | Error e) {
            lock.release();
            throw e;
        }
    }

    private static MapDbReplicaStore open(StoreSettings settings, FolderLock lock, StoreFiles files, RecordSeal seal)
            throws StoreException {
        Path dataFile = settings.folder().resolve(DATA_FILE);
        try {
            MapDbReplicaStore store = new MapDbReplicaStore(settings, lock, files.volume(), files.db(), files.maps(), seal);
            try {
                store.maps.initialise(files.db(), dataFile, store.state, store.sealed);
            } catch (StoreException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new StoreException(dataFile + " is not a readable Rhizome store (corrupt, or not a MapDB file): "
                        + e, e);
            }
            store.committer.start();
            LOG.info("replica store open: {} (log head {}, {} authors, records sealed)", dataFile, store.state.head,
                    store.state.authorSeqs.size());
            return store;
        } catch (StoreException | RuntimeException | Error e) {
            files.discardAndClose();
            throw e;
        }
    }

    /** What the last open quarantined: one sentence per record that did not open (empty when all did). */
    public List<String> quarantined() {
        return state.quarantined;
    }

    /** How many quarantined records the store keeps, from every open that found some (they are never served). */
    public int quarantineKept() {
        return maps.quarantine.size();
    }

    /**
     * Called once, on a thread of its own, when the store fails and refuses further calls (a
     * commit could not be written); the owner then withdraws the service.
     */
    public void onFailure(Runnable listener) {
        state.onFailure(listener);
    }

    @Override
    public String location() {
        return folder.toString();
    }

    // ------------------------------------------------------------------ writes

    @Override
    public List<LogEntry> append(List<NewEntry> entries, Map<String, byte[]> metaUpdates) throws StoreException {
        List<NewEntry> e = List.copyOf(entries);
        Map<String, byte[]> m = copyMeta(metaUpdates);
        if (e.isEmpty() && m.isEmpty()) {
            state.checkOpen();
            return List.of();
        }
        return committer.submit(new Committer.Write(e, m, Map.of(), Map.of(), -1, new CompletableFuture<>()));
    }

    @Override
    public void putMeta(Map<String, byte[]> updates) throws StoreException {
        Map<String, byte[]> m = copyMeta(updates);
        if (m.isEmpty()) {
            state.checkOpen();
            return;
        }
        committer.submit(new Committer.Write(List.of(), m, Map.of(), Map.of(), -1, new CompletableFuture<>()));
    }

    @Override
    public void checkpoint(Map<EntityRef, byte[]> states, long includesLogUpTo) throws StoreException {
        if (includesLogUpTo < 0) {
            throw new IllegalArgumentException("negative log position: " + includesLogUpTo);
        }
        Map<EntityRef, byte[]> copy = new HashMap<>();
        states.forEach((ref, state) -> copy.put(requireNonNull(ref, "entity"), requireNonNull(state, "state of " + ref).clone()));
        committer.submit(new Committer.Write(List.of(), Map.of(), Map.of(), copy, includesLogUpTo, new CompletableFuture<>()));
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

    // ------------------------------------------------------------------ reads

    @Override
    public List<LogEntry> read(long fromPosition, int maxEntries, long maxBytes) throws StoreException {
        if (fromPosition < 0) {
            throw new IllegalArgumentException("negative log position: " + fromPosition);
        }
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be at least 1, not " + maxEntries);
        }
        return state.read(() -> {
            long limit = state.head;
            List<LogEntry> out = new ArrayList<>();
            if (fromPosition >= limit) {
                return out;
            }
            Long startKey = maps.log.floorKey(fromPosition);
            if (startKey == null) {
                throw new StoreException(dataFile + " is inconsistent: no log chunk holds position " + fromPosition);
            }
            long bytes = 0;
            for (Map.Entry<Long, byte[]> c : maps.log.tailMap(startKey, true).entrySet()) {
                long base = c.getKey();
                byte[] chunk = sealed.openChunk(base, c.getValue());
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
        String key = StoreMaps.segmentKey(stream, seq);
        return state.read(() -> {
            long[] segment = maps.bySeq.get(key);
            long stored = segment == null ? 0 : segment[(int) (seq & (StoreMaps.SEGMENT - 1))];
            long position = stored - 1;
            if (stored == 0 || position >= state.head) {
                return Optional.empty();
            }
            Map.Entry<Long, byte[]> found = maps.log.floorEntry(position);
            byte[] chunk = found == null ? null : sealed.openChunk(found.getKey(), found.getValue());
            if (chunk == null || position - found.getKey() >= LogCodec.chunkCount(chunk)) {
                throw new StoreException(dataFile + " is inconsistent: (" + stream + ", " + seq + ") points to position "
                        + position + ", which is not in the log");
            }
            LogEntry entry = LogCodec.decode(position, LogCodec.chunkEntry(chunk, (int) (position - found.getKey())));
            if (!entry.stream().equals(stream) || entry.seq() != seq) {
                throw new StoreException(dataFile + " is damaged: the index of (" + stream + ", " + seq + ") points to position "
                        + position + ", which holds another change set; it is not served");
            }
            return Optional.of(entry);
        });
    }

    @Override
    public long head() {
        return state.head;
    }

    @Override
    public Map<String, Long> streamSeqs() throws StoreException {
        return state.read(() -> {
            Map<String, Long> out = new TreeMap<>();
            state.authorSeqs.forEach((author, seqs) -> out.put(author, seqs[0]));
            return Collections.unmodifiableMap(out);
        });
    }

    @Override
    public MetadataSpace metadata(MetadataOwner owner) {
        return new MapDbMetadataSpace(java.util.Objects.requireNonNull(owner, "owner"), state, maps, sealed, committer);
    }

    @Override
    public Optional<byte[]> meta(String name) throws StoreException {
        return state.read(() -> Optional.ofNullable(sealed.openMeta(SealedRecords.META, name, maps.meta.get(name))));
    }

    @Override
    public Map<String, byte[]> metaWithPrefix(String prefix) throws StoreException {
        return state.read(() -> {
            Map<String, byte[]> out = new TreeMap<>();
            for (Map.Entry<String, byte[]> e : maps.meta.tailMap(prefix, true).entrySet()) {
                if (!e.getKey().startsWith(prefix)) {
                    break;
                }
                out.put(e.getKey(), sealed.openMeta(SealedRecords.META, e.getKey(), e.getValue()));
            }
            return Collections.unmodifiableMap(out);
        });
    }

    @Override
    public Optional<byte[]> entityState(EntityRef entity) throws StoreException {
        String key = sealed.stateKey(entity.namespace(), entity.key());
        return state.read(() -> {
            byte[] stored = maps.states.get(key);
            return stored == null ? Optional.empty() : Optional.of(sealed.readState(key, stored).state());
        });
    }

    @Override
    public List<String> checkpointedKeys(String namespace) throws StoreException {
        String prefix = sealed.namespacePrefix(namespace);
        return state.read(() -> {
            List<String> out = new ArrayList<>();
            for (Map.Entry<String, byte[]> e : maps.states.tailMap(prefix, true).entrySet()) {
                if (!e.getKey().startsWith(prefix)) {
                    break;
                }
                SealedRecords.State s = sealed.readState(e.getKey(), e.getValue());
                if (s.namespace().equals(namespace)) {
                    out.add(s.key());
                }
            }
            Collections.sort(out);
            return Collections.unmodifiableList(out);
        });
    }

    @Override
    public long checkpointPosition() throws StoreException {
        return state.read(() -> state.checkpoint);
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
        state.lifecycle.writeLock().lock();
        try {
            if (state.closed) {
                return;
            }
            state.closed = true;
        } finally {
            state.lifecycle.writeLock().unlock();
        }
        committer.awaitEnd(TimeUnit.SECONDS.toMillis(60));
        state.dataLock.writeLock().lock();
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
            state.dataLock.writeLock().unlock();
            lock.release();
        }
        LOG.info("replica store closed: {} (log head {})", dataFile, state.head);
    }
}

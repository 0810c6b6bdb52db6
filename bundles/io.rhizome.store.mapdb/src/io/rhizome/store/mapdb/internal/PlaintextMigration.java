package io.rhizome.store.mapdb.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.store.StoreException;

/**
 * Seals a plaintext store of an older version (format 2 or 3) on its first open: a sealed copy
 * is built beside it in {@value #SEALING}/, which becomes {@value #SEALED}/ by one rename once it
 * is complete and durable; then its files replace the plaintext ones, one rename each. Every open
 * first finishes that step ({@link #finishOrDiscard}): a {@value #SEALED}/ folder is moved into
 * place, a {@value #SEALING}/ folder (a crash while building it) is deleted and the plaintext
 * store, untouched, is sealed again. So a crash at any point leaves either the old store or the
 * new one, whole.
 */
final class PlaintextMigration {

    private static final Logger LOG = LoggerFactory.getLogger(PlaintextMigration.class);

    static final String SEALING = "sealing";
    static final String SEALED = "sealed";
    /** Log chunks copied per commit of the copy (a commit's pages are held on the heap). */
    private static final int CHUNKS_PER_COMMIT = 256;

    private PlaintextMigration() {
    }

    /** Seals the plaintext store in {@code settings.folder()} (which the caller has locked). */
    static void migrate(StoreSettings settings, RecordSeal seal) throws StoreException {
        Path folder = settings.folder();
        long t0 = System.nanoTime();
        long[] counts = writeSealedCopy(settings, seal);
        markComplete(folder);
        finishOrDiscard(folder);
        LOG.info("{}: the plaintext store (format {}) was sealed: {} log chunks, {} checkpoints, {} metadata records, in {} ms",
                folder, counts[0] == 0 ? "3" : "2", counts[1], counts[2], counts[3], (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * Builds the sealed copy in {@value #SEALING}/ (replacing a leftover one). Returns
     * {shared-metadata format (1) or not (0), log chunks, checkpoints, metadata records}.
     */
    static long[] writeSealedCopy(StoreSettings settings, RecordSeal seal) throws StoreException {
        Path folder = settings.folder();
        Path sealing = folder.resolve(SEALING);
        deleteTree(sealing);
        try {
            Files.createDirectories(sealing);
        } catch (IOException e) {
            throw new StoreException("cannot create " + sealing + " to seal the store in: " + e, e);
        }
        StoreFiles old = StoreFiles.open(settings, folder);
        StoreFiles copy = null;
        try {
            Long format = old.maps().format();
            if (!StoreMaps.plaintext(format)) {
                throw new StoreException(folder.resolve(MapDbReplicaStore.DATA_FILE) + " is not a plaintext store (format " + format + ")");
            }
            copy = StoreFiles.open(settings, sealing);
            SealedRecords sealed = new SealedRecords(seal, sealing.resolve(MapDbReplicaStore.DATA_FILE));
            StoreMaps from = old.maps();
            StoreMaps to = copy.maps();
            to.create(sealed);
            long chunks = 0;
            for (Map.Entry<Long, byte[]> e : from.log.entrySet()) {
                to.log.put(e.getKey(), sealed.sealChunk(e.getKey(), e.getValue()));
                if (++chunks % CHUNKS_PER_COMMIT == 0) {
                    copy.db().commit();
                }
            }
            for (Map.Entry<String, long[]> e : from.bySeq.entrySet()) {
                to.bySeq.put(e.getKey(), e.getValue());
            }
            byte[] authors = from.records.get(StoreMaps.RECORD_AUTHORS);
            if (authors != null) {
                to.records.put(StoreMaps.RECORD_AUTHORS, sealed.sealRecord(StoreMaps.RECORD_AUTHORS, authors));
            }
            long states = 0;
            for (Map.Entry<String, byte[]> e : from.states.entrySet()) {
                String[] names = entityNames(e.getKey());
                String key = sealed.stateKey(names[0], names[1]);
                to.states.put(key, sealed.sealState(key, names[0], names[1], e.getValue()));
                if (++states % CHUNKS_PER_COMMIT == 0) {
                    copy.db().commit();
                }
            }
            NavigableMap<String, byte[]> meta = new TreeMap<>(from.meta);
            NavigableMap<String, byte[]> spaces = new TreeMap<>(from.spaces);
            if (StoreMaps.sharedMeta(format)) {
                LegacyMetadata.move(meta, spaces);
            }
            meta.forEach((k, v) -> to.meta.put(k, sealed.sealMeta(SealedRecords.META, k, v)));
            spaces.forEach((k, v) -> to.spaces.put(k, sealed.sealMeta(SealedRecords.SPACES, k, v)));
            to.sys.put(StoreMaps.SYS_HEAD, from.sys.getOrDefault(StoreMaps.SYS_HEAD, 0L));
            to.records.put(SealedRecords.RECORD_CHECKPOINT, sealed.sealPosition(from.sys.getOrDefault(StoreMaps.SYS_CHECKPOINT, 0L)));
            copy.db().commit();
            return new long[] {StoreMaps.sharedMeta(format) ? 1 : 0, chunks, states, meta.size() + spaces.size()};
        } catch (RuntimeException e) {
            throw new StoreException("sealing the plaintext store in " + folder + " failed (it is left as it was): " + e, e);
        } finally {
            old.discardAndClose();
            if (copy != null) {
                copy.discardAndClose();
            }
        }
    }

    /** The sealed copy is complete: {@value #SEALING}/ becomes {@value #SEALED}/ by one rename. */
    static void markComplete(Path folder) throws StoreException {
        try {
            Path sealing = folder.resolve(SEALING);
            fsync(sealing.resolve(MapDbReplicaStore.DATA_FILE));
            fsync(sealing.resolve(MapDbReplicaStore.REDO_FILE));
            Files.move(sealing, folder.resolve(SEALED), StandardCopyOption.ATOMIC_MOVE);
            fsyncFolder(folder);
        } catch (IOException e) {
            throw new StoreException("cannot complete the sealing of the store in " + folder + ": " + e, e);
        }
    }

    /**
     * Finishes what a sealing left: moves a complete sealed copy into place, or deletes a copy
     * that was being built (the plaintext store is then sealed again by the open).
     */
    static void finishOrDiscard(Path folder) throws StoreException {
        Path sealing = folder.resolve(SEALING);
        if (Files.exists(sealing)) {
            LOG.warn("{}: removing a sealed copy whose building was interrupted; the plaintext store is intact and is sealed again",
                    sealing);
            deleteTree(sealing);
        }
        Path sealed = folder.resolve(SEALED);
        if (!Files.isDirectory(sealed)) {
            return;
        }
        try {
            // The redo file first: the plaintext one must never be replayed onto the sealed data file,
            // and no open happens before this has run to its end.
            for (String name : new String[] {MapDbReplicaStore.REDO_FILE, MapDbReplicaStore.DATA_FILE}) {
                Path moved = sealed.resolve(name);
                if (Files.exists(moved)) {
                    Files.move(moved, folder.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                }
            }
            fsyncFolder(folder);
            deleteTree(sealed);
        } catch (IOException e) {
            throw new StoreException("cannot move the sealed store from " + sealed + " into " + folder + ": " + e, e);
        }
    }

    /** The namespace and key of a format-3 state key ({@code length:namespace key}). */
    static String[] entityNames(String stored) {
        int colon = stored.indexOf(':');
        int length = Integer.parseInt(stored.substring(0, colon));
        String namespace = stored.substring(colon + 1, colon + 1 + length);
        return new String[] {namespace, stored.substring(colon + 1 + length)};
    }

    private static void fsync(Path file) throws IOException {
        if (Files.exists(file)) {
            try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
                c.force(true);
            }
        }
    }

    private static void fsyncFolder(Path folder) {
        try (FileChannel c = FileChannel.open(folder, StandardOpenOption.READ)) {
            c.force(true);
        } catch (IOException ignored) {
            // not every file system lets a folder be synced; the renames are still atomic
        }
    }

    private static void deleteTree(Path root) throws StoreException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new StoreException("cannot delete " + root + ": " + e, e);
        }
    }
}

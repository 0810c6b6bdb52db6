package io.rhizome.store.mapdb.internal;

import java.nio.file.Path;
import java.util.Map;

import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.Serializer;

import io.rhizome.spi.store.StoreException;

/**
 * The B-trees of the store file and what is done when it is opened: the format marker checked
 * (and a format-2 file's metadata moved into spaces), the head checked against the log.
 */
final class StoreMaps {

    static final String SYS_HEAD = "head";
    /** Formats 2 and 3 only: the checkpoint position (format 4 seals it in {@code records}). */
    static final String SYS_CHECKPOINT = "checkpoint";
    private static final String SYS_FORMAT = "format";
    static final String RECORD_AUTHORS = "authors";
    /**
     * 4: every record sealed (see {@link SealedRecords}); 3: owners' metadata in {@code spaces},
     * plaintext; 2: all metadata in {@code meta} (moved into spaces, see {@link LegacyMetadata}).
     * Formats 2 and 3 are sealed into format 4 on open ({@link PlaintextMigration}).
     */
    static final long FORMAT = 4;
    private static final long FORMAT_PLAIN = 3;
    private static final long FORMAT_SHARED_META = 2;
    static final int SEGMENT = 256;

    /** Log chunks (see {@link LogCodec#encodeChunk}) by the position of their first entry. */
    final BTreeMap<Long, byte[]> log;
    /**
     * The (author, seq) index in segments: key {@link LogCodec#seqKey seqKey(author, seq / 256)},
     * value the positions of that author's 256 seqs (position + 1; 0 = not in the log). An
     * author's change sets arrive mostly in order, so a commit touches one segment per author
     * instead of one index entry per log entry.
     */
    final BTreeMap<String, long[]> bySeq;
    /**
     * Small records rewritten as a whole: {@code authors} holds every author's {highest contiguous
     * seq, highest seq}, one record for all authors so a commit rewrites it once.
     */
    final BTreeMap<String, byte[]> records;
    final BTreeMap<String, byte[]> meta;
    final BTreeMap<String, byte[]> states;
    final BTreeMap<String, Long> sys;
    /** Every {@link MapDbMetadataSpace}'s keys, each under its owner's prefix. */
    final BTreeMap<String, byte[]> spaces;
    /** Records that did not open, as they were stored, by tree and key (never read back by the store). */
    final BTreeMap<String, byte[]> quarantine;

    StoreMaps(DB db) {
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
        this.spaces = db.treeMap("spaces", Serializer.STRING, Serializer.BYTE_ARRAY).valuesOutsideNodesEnable()
                .createOrOpen();
        this.quarantine = db.treeMap("quarantine", Serializer.STRING, Serializer.BYTE_ARRAY).valuesOutsideNodesEnable()
                .createOrOpen();
    }

    static String segmentKey(String author, long seq) {
        return LogCodec.seqKey(author, seq / SEGMENT);
    }

    /** The format of the file, or null for a new one. */
    Long format() {
        return sys.get(SYS_FORMAT);
    }

    /** Whether the file is of a plaintext format (2 or 3) that {@link PlaintextMigration} seals. */
    static boolean plaintext(Long format) {
        return format != null && (format == FORMAT_SHARED_META || format == FORMAT_PLAIN);
    }

    static boolean sharedMeta(Long format) {
        return format != null && format == FORMAT_SHARED_META;
    }

    /** Marks a new, empty file as a sealed store (not committed). */
    void create(SealedRecords sealed) {
        sys.put(SYS_FORMAT, FORMAT);
        sys.put(SYS_HEAD, 0L);
        records.put(SealedRecords.RECORD_KEY_CHECK, sealed.keyCheck());
        records.put(SealedRecords.RECORD_CHECKPOINT, sealed.sealPosition(0));
    }

    /**
     * Checks a sealed store file (marking a new one with the format), quarantines the records
     * that do not open ({@link Quarantine}), commits, and loads the in-memory view of the log into
     * {@code state}.
     */
    void initialise(DB db, Path dataFile, StoreState state, SealedRecords sealed) throws StoreException {
        Long format = sys.get(SYS_FORMAT);
        if (format == null) {
            if (!log.isEmpty()) {
                throw new StoreException(dataFile + " has a log but no format marker: not a Rhizome store");
            }
            create(sealed);
        } else if (format != FORMAT) {
            throw new StoreException(dataFile + " has store format " + format + "; this version reads format " + FORMAT
                    + " (and seals formats " + FORMAT_SHARED_META + " and " + FORMAT_PLAIN + " on open)");
        } else if (!sealed.keyCheckOpens(records.get(SealedRecords.RECORD_KEY_CHECK))) {
            throw new StoreException(dataFile + " was sealed under another store key: the key store of this home (keys/) is "
                    + "not the one this data was written with, so nothing of it can be read; nothing was changed");
        }
        state.quarantined = new Quarantine(this, sealed, dataFile).run();
        db.commit();
        long storedHead = sys.getOrDefault(SYS_HEAD, 0L);
        long derived = 0;
        if (!log.isEmpty()) {
            Map.Entry<Long, byte[]> last = log.lastEntry();
            derived = last.getKey() + LogCodec.chunkCount(sealed.openChunk(last.getKey(), last.getValue()));
        }
        if (storedHead != derived) {
            throw new StoreException(dataFile + " is inconsistent: head " + storedHead + " but the log ends at " + derived);
        }
        byte[] storedAuthors = records.get(RECORD_AUTHORS);
        if (storedAuthors != null) {
            try {
                state.authorSeqs.putAll(LogCodec.decodeAuthors(sealed.openRecord(RECORD_AUTHORS, storedAuthors)));
            } catch (RecordSeal.DamagedRecordException e) {
                throw new StoreException(dataFile + ": the record of every author's sequence numbers is damaged (" + e.getMessage()
                        + "); the store is not opened", e);
            }
        }
        try {
            state.checkpoint = sealed.openPosition(records.get(SealedRecords.RECORD_CHECKPOINT));
        } catch (RecordSeal.DamagedRecordException e) {
            throw new StoreException(dataFile + ": the checkpoint position is damaged after the quarantine", e);
        }
        state.head = storedHead;
    }
}

package io.rhizome.store.mapdb.internal;

import java.nio.file.Path;
import java.util.Map;

import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.Serializer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.store.StoreException;

/**
 * The B-trees of the store file and what is done when it is opened: the format marker checked
 * (and a format-2 file's metadata moved into spaces), the head checked against the log.
 */
final class StoreMaps {

    private static final Logger LOG = LoggerFactory.getLogger(StoreMaps.class);

    static final String SYS_HEAD = "head";
    static final String SYS_CHECKPOINT = "checkpoint";
    private static final String SYS_FORMAT = "format";
    static final String RECORD_AUTHORS = "authors";
    /** 3: owners' metadata in {@code spaces}; 2: all of it in {@code meta} (moved on open, see {@link LegacyMetadata}). */
    private static final long FORMAT = 3;
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
    }

    static String segmentKey(String author, long seq) {
        return LogCodec.seqKey(author, seq / SEGMENT);
    }

    /**
     * Checks a store file (marking a new one with the format), commits, and loads the in-memory
     * view of the log into {@code state}.
     */
    void initialise(DB db, Path dataFile, StoreState state) throws StoreException {
        Long format = sys.get(SYS_FORMAT);
        if (format == null) {
            if (!log.isEmpty()) {
                throw new StoreException(dataFile + " has a log but no format marker: not a Rhizome store");
            }
            sys.put(SYS_FORMAT, FORMAT);
            sys.put(SYS_HEAD, 0L);
            sys.put(SYS_CHECKPOINT, 0L);
        } else if (format == FORMAT_SHARED_META) {
            int moved = LegacyMetadata.move(meta, spaces);
            sys.put(SYS_FORMAT, FORMAT);
            LOG.info("{}: {} metadata records moved into their owners' spaces (store format {} to {})", dataFile, moved,
                    FORMAT_SHARED_META, FORMAT);
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
            state.authorSeqs.putAll(LogCodec.decodeAuthors(storedAuthors));
        }
        state.head = storedHead;
    }
}

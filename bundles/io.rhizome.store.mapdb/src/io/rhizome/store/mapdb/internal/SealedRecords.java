package io.rhizome.store.mapdb.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import io.rhizome.spi.store.StoreException;
import io.rhizome.store.mapdb.internal.RecordSeal.DamagedRecordException;

/**
 * The stored form of every record of a sealed store (format 4): what goes into the B-trees of
 * {@link StoreMaps} and how it is read back. Every value is sealed by {@link RecordSeal} with its
 * tree and key as associated data; entity checkpoints are keyed by keyed hashes of namespace and
 * entity key, with both names inside the sealed value.
 */
final class SealedRecords {

    static final String LOG = "log";
    static final String META = "meta";
    static final String SPACES = "spaces";
    static final String STATES = "states";
    static final String RECORDS = "records";
    static final String RECORD_CHECKPOINT = "checkpoint";
    static final String RECORD_KEY_CHECK = "key-check";
    private static final byte[] KEY_CHECK = "rhizome store key check v1".getBytes(StandardCharsets.US_ASCII);
    /** Length of one keyed hash in a state key: namespace hash, then entity hash. */
    static final int NAME_LENGTH = 22;

    /** Opened log chunks kept on the heap (at most 64 × 60 KiB): a chunk is written once and never changed. */
    private static final int OPEN_CHUNKS = 64;

    private final RecordSeal seal;
    private final Path dataFile;
    private final Map<Long, byte[]> openChunks = new LinkedHashMap<>(OPEN_CHUNKS * 2, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, byte[]> eldest) {
            return size() > OPEN_CHUNKS;
        }
    };

    SealedRecords(RecordSeal seal, Path dataFile) {
        this.seal = seal;
        this.dataFile = dataFile;
    }

    // ---------------------------------------------------------------- log

    byte[] sealChunk(long start, byte[] chunk) {
        return seal.seal(LOG, Long.toString(start), chunk);
    }

    /**
     * A log chunk opened (read only: the array may be shared); a damaged one is refused naming its
     * position, never served.
     */
    byte[] openChunk(long start, byte[] stored) throws StoreException {
        synchronized (openChunks) {
            byte[] open = openChunks.get(start);
            if (open != null) {
                return open;
            }
        }
        try {
            byte[] open = seal.open(LOG, Long.toString(start), stored);
            synchronized (openChunks) {
                openChunks.put(start, open);
            }
            return open;
        } catch (DamagedRecordException e) {
            throw new StoreException(dataFile + ": the log chunk at position " + start + " is damaged (" + e.getMessage()
                    + "); its change sets are not served", e);
        }
    }

    // ---------------------------------------------------------------- metadata (engine's and spaces')

    byte[] sealMeta(String tree, String key, byte[] value) {
        return seal.seal(tree, key, value);
    }

    byte[] openMeta(String tree, String key, byte[] stored) throws StoreException {
        if (stored == null) {
            return null;
        }
        try {
            return seal.open(tree, key, stored);
        } catch (DamagedRecordException e) {
            throw new StoreException(dataFile + ": " + e.getMessage() + "; it is not served", e);
        }
    }

    // ---------------------------------------------------------------- entity checkpoints

    /** The prefix of every state key of {@code namespace}. */
    String namespacePrefix(String namespace) {
        return seal.name("namespace", namespace);
    }

    String stateKey(String namespace, String key) {
        return namespacePrefix(namespace) + seal.name("entity", namespace, key);
    }

    /** A checkpoint state sealed with its names inside: {@code int, namespace, int, key, state}. */
    byte[] sealState(String storedKey, String namespace, String key, byte[] state) {
        byte[] ns = namespace.getBytes(StandardCharsets.UTF_8);
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        byte[] plain = ByteBuffer.allocate(8 + ns.length + k.length + state.length).putInt(ns.length).put(ns)
                .putInt(k.length).put(k).put(state).array();
        return seal.seal(STATES, storedKey, plain);
    }

    /** A state opened: its namespace, key and state. */
    record State(String namespace, String key, byte[] state) {
    }

    State openState(String storedKey, byte[] stored) throws DamagedRecordException {
        byte[] plain = seal.open(STATES, storedKey, stored);
        try {
            ByteBuffer buf = ByteBuffer.wrap(plain);
            byte[] ns = new byte[buf.getInt()];
            buf.get(ns);
            byte[] k = new byte[buf.getInt()];
            buf.get(k);
            byte[] state = new byte[buf.remaining()];
            buf.get(state);
            State s = new State(new String(ns, StandardCharsets.UTF_8), new String(k, StandardCharsets.UTF_8), state);
            if (!stateKey(s.namespace(), s.key()).equals(storedKey)) {
                throw new DamagedRecordException("the checkpoint '" + storedKey + "' names another entity");
            }
            return s;
        } catch (RuntimeException e) {
            throw new DamagedRecordException("the checkpoint '" + storedKey + "' is malformed inside its seal: " + e);
        }
    }

    /** {@link #openState} for a read: a damaged state is refused, never served. */
    State readState(String storedKey, byte[] stored) throws StoreException {
        try {
            return openState(storedKey, stored);
        } catch (DamagedRecordException e) {
            throw new StoreException(dataFile + ": " + e.getMessage() + "; it is not served", e);
        }
    }

    // ---------------------------------------------------------------- small records

    byte[] sealRecord(String name, byte[] value) {
        return seal.seal(RECORDS, name, value);
    }

    byte[] openRecord(String name, byte[] stored) throws DamagedRecordException {
        return seal.open(RECORDS, name, stored);
    }

    byte[] sealPosition(long position) {
        return sealRecord(RECORD_CHECKPOINT, ByteBuffer.allocate(8).putLong(position).array());
    }

    long openPosition(byte[] stored) throws DamagedRecordException {
        byte[] plain = openRecord(RECORD_CHECKPOINT, stored);
        if (plain.length != 8) {
            throw new DamagedRecordException("the checkpoint position record is malformed");
        }
        return ByteBuffer.wrap(plain).getLong();
    }

    byte[] keyCheck() {
        return sealRecord(RECORD_KEY_CHECK, KEY_CHECK);
    }

    /** Whether the key check opens under this store key. */
    boolean keyCheckOpens(byte[] stored) {
        try {
            return java.util.Arrays.equals(KEY_CHECK, openRecord(RECORD_KEY_CHECK, stored));
        } catch (DamagedRecordException e) {
            return false;
        }
    }
}

package io.rhizome.crdt.internal;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import io.rhizome.api.clock.HlcTimestamp;
import io.rhizome.spi.crdt.CrdtDecodeException;
import io.rhizome.spi.crdt.CrdtIntentException;
import io.rhizome.spi.crdt.CrdtReplica;
import io.rhizome.spi.crdt.ReplicaContext;
import io.rhizome.spi.crdt.VersionVector;

/**
 * What every built-in replica shares: the operation envelope (type tag, origin replica id, per-origin
 * sequence number), duplicate suppression and causal-gap detection, the state envelope with its
 * version vector, and the decode-then-commit discipline that keeps {@code apply} and {@code merge}
 * atomic: bytes are fully decoded and checked into fresh objects before anything is changed.
 *
 * <p>Wire format of an operation: {@code typeTag, 0x00, originId (len+UTF-8), seq (varint), body}.
 * Of a state: {@code typeTag, 0x01, vector (count, [id, counter]...), body}.
 *
 * @param <O> the decoded form of one operation of the type
 */
public abstract class AbstractReplica<O> implements CrdtReplica {

    private static final int KIND_OP = 0;
    private static final int KIND_STATE = 1;

    protected final ReplicaContext context;
    protected final String self;
    private final byte[] selfUtf8;
    /** Per origin, the sequence number of the last operation seen; contiguous under causal delivery. */
    protected final Map<String, Long> seen = new HashMap<>();
    /** The origin of the last applied operation, reused while operations keep coming from it. */
    private String lastOrigin;
    private byte[] lastOriginUtf8;

    protected AbstractReplica(ReplicaContext context) {
        this.context = context;
        this.self = context.replicaId();
        this.selfUtf8 = self.getBytes(StandardCharsets.UTF_8);
        if (selfUtf8.length > 255) {
            throw new IllegalArgumentException("replica id longer than 255 UTF-8 bytes");
        }
    }

    /** A distinct byte per type, so that bytes of one type are never mistaken for another's. */
    protected abstract int typeTag();

    /** Checks an intent against the current value and turns it into an operation; changes nothing. */
    protected abstract O prepare(JsonNode intent, HlcTimestamp timestamp) throws CrdtIntentException;

    protected abstract void writeOp(O op, ByteWriter w);

    protected abstract O readOp(ByteReader r) throws CrdtDecodeException;

    /** Checks that a decoded remote operation fits this replica (references exist...); changes nothing. */
    protected void checkOp(String origin, long seq, O op) throws CrdtDecodeException {
    }

    /** Applies a checked operation. Must not fail. */
    protected abstract void applyOp(String origin, long seq, O op);

    /** An empty replica of the same class and context, to decode a state into. */
    protected abstract AbstractReplica<O> blank();

    protected abstract void writeState(ByteWriter w);

    /** Writes the part of the state a replica that has seen {@code since} lacks. */
    protected void writeDelta(ByteWriter w, VersionVector since) {
        writeState(w);
    }

    /** Reads a state body into this blank replica ({@link #seen} is already read), checking it. */
    protected abstract void readState(ByteReader r) throws CrdtDecodeException;

    /**
     * Reads a state body that will only be {@link #join joined} into another replica, checking it
     * as {@link #readState} does; a type may keep it in a form cheaper to build than a replica.
     */
    protected void readStateToJoin(ByteReader r) throws CrdtDecodeException {
        readState(r);
    }

    /**
     * Joins a decoded, checked state into this one; {@link #seen} is merged afterwards. May throw
     * only before it has changed anything (types with nested replicas merge into copies first).
     */
    protected abstract void join(AbstractReplica<O> other) throws CrdtDecodeException;

    // ------------------------------------------------------------------------------------------

    protected final long seen(String origin) {
        Long n = seen.get(origin);
        return n == null ? 0 : n;
    }

    /** Whether the operation {@code (origin, seq)} is covered by {@code vector}. */
    protected static boolean covered(Map<String, Long> vector, String origin, long seq) {
        Long n = vector.get(origin);
        return n != null && seq <= n;
    }

    @Override
    public final byte[] mutate(JsonNode intent, HlcTimestamp timestamp) throws CrdtIntentException {
        if (timestamp == null) {
            throw new CrdtIntentException("a timestamp is required");
        }
        return commitLocal(prepare(intent, timestamp));
    }

    /** Encodes, applies and numbers a locally prepared operation. */
    protected final byte[] commitLocal(O op) {
        long seq = seen(self) + 1;
        ByteWriter w = new ByteWriter(32 + selfUtf8.length);
        w.u8(typeTag()).u8(KIND_OP).bytes(selfUtf8).varlong(seq);
        writeOp(op, w);
        applyOp(self, seq, op);
        seen.put(self, seq);
        return w.toByteArray();
    }

    @Override
    public final void apply(byte[] operation) throws CrdtDecodeException {
        if (operation == null) {
            throw new CrdtDecodeException("operation is null");
        }
        ByteReader r = new ByteReader(operation);
        header(r, KIND_OP, "operation");
        String origin = r.replicaId(lastOrigin, lastOriginUtf8);
        if (origin != lastOrigin) {
            lastOrigin = origin;
            lastOriginUtf8 = origin.getBytes(StandardCharsets.UTF_8);
        }
        long seq = r.bounded(Long.MAX_VALUE, "sequence number");
        if (seq == 0) {
            throw new CrdtDecodeException("sequence number 0 is not valid; operations are numbered from 1");
        }
        O op;
        try {
            op = readOp(r);
        } catch (RuntimeException e) {
            // Defence in depth: a decoder bug must still surface as a typed rejection.
            throw new CrdtDecodeException("malformed " + typeName() + " operation: " + e, e);
        }
        r.expectEnd();
        long have = seen(origin);
        if (seq <= have) {
            return; // already applied: idempotent
        }
        if (seq != have + 1) {
            throw new CrdtDecodeException("causal gap: operation " + seq + " of " + origin
                    + " arrived but only " + have + " were seen");
        }
        checkOp(origin, seq, op);
        applyOp(origin, seq, op);
        seen.put(origin, seq);
    }

    private void header(ByteReader r, int kind, String what) throws CrdtDecodeException {
        int tag = r.u8();
        if (tag != typeTag()) {
            throw new CrdtDecodeException("not a " + typeName() + " " + what + " (type tag " + tag + ", expected " + typeTag() + ")");
        }
        int k = r.u8();
        if (k != kind) {
            throw new CrdtDecodeException("expected a " + what + " but got kind " + k);
        }
    }

    @Override
    public final byte[] encodeState() {
        ByteWriter w = new ByteWriter(256);
        w.u8(typeTag()).u8(KIND_STATE);
        writeVector(w, seen);
        writeState(w);
        return w.toByteArray();
    }

    @Override
    public final byte[] deltaSince(VersionVector since) {
        ByteWriter w = new ByteWriter(256);
        w.u8(typeTag()).u8(KIND_STATE);
        writeVector(w, seen);
        writeDelta(w, since);
        return w.toByteArray();
    }

    /** Decodes and checks a state into a blank replica. */
    public final AbstractReplica<O> decode(byte[] state) throws CrdtDecodeException {
        return decode(state, false);
    }

    private AbstractReplica<O> decode(byte[] state, boolean toJoin) throws CrdtDecodeException {
        if (state == null) {
            throw new CrdtDecodeException("state is null");
        }
        AbstractReplica<O> other = blank();
        ByteReader r = new ByteReader(state);
        other.header(r, KIND_STATE, "state");
        int n = r.itemCount("version vector size");
        for (int i = 0; i < n; i++) {
            String id = r.replicaId();
            long c = r.bounded(Long.MAX_VALUE, "version counter");
            if (other.seen.put(id, c) != null) {
                throw new CrdtDecodeException("replica " + id + " appears twice in the version vector");
            }
        }
        try {
            if (toJoin) {
                other.readStateToJoin(r);
            } else {
                other.readState(r);
            }
        } catch (RuntimeException e) {
            throw new CrdtDecodeException("malformed " + typeName() + " state: " + e, e);
        }
        r.expectEnd();
        return other;
    }

    @Override
    public final void merge(byte[] state) throws CrdtDecodeException {
        AbstractReplica<O> other = decode(state, true);
        join(other);
        other.seen.forEach((id, c) -> seen.merge(id, c, Math::max));
    }

    private static void writeVector(ByteWriter w, Map<String, Long> vector) {
        w.varlong(vector.size());
        vector.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            w.string(e.getKey());
            w.varlong(e.getValue());
        });
    }

    @Override
    public VersionVector version() {
        return VersionVector.of(seen);
    }

    @Override
    public String toString() {
        return typeName() + "@" + self + " " + value();
    }
}

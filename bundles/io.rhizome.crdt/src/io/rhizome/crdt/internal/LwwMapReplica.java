package io.rhizome.crdt.internal;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.api.clock.HlcTimestamp;
import io.rhizome.spi.crdt.CrdtDecodeException;
import io.rhizome.spi.crdt.CrdtIntentException;
import io.rhizome.spi.crdt.CrdtReplica;
import io.rhizome.spi.crdt.ReplicaContext;
import io.rhizome.spi.crdt.VersionVector;

/**
 * Last-writer-wins map: each key is an LWW register (HLC timestamp, replica-id tie-break) holding a
 * JSON value, a removal, or a nested CRDT. A nested CRDT is created by the first {@code update} of a
 * key and then merges every update made to it; a later {@code set}, {@code remove} or an {@code
 * update} with another type replaces it as a whole, and updates addressed to a replaced instance are
 * dropped on every replica alike.
 *
 * <p>Intents: {@code {"op":"set","key":k,"value":v}}, {@code {"op":"remove","key":k}},
 * {@code {"op":"update","key":k,"type":t,"intent":{...}}} (the nested intent of type {@code t}).
 * Value: a JSON object of the present keys (sorted), nested CRDTs shown by their own value.
 * Removals leave a timestamp (kept: see {@link #compact}).
 */
public final class LwwMapReplica extends AbstractReplica<LwwMapReplica.Op> {

    private static final int SET = 0, REMOVE = 1, NEST = 2, UPDATE = 3;

    /** {@code target*} name the nested instance an UPDATE is for; {@code prepared} is never encoded. */
    static final class Op {
        final int kind;
        final String key;
        final long stamp;
        final JsonNode value;
        final String type;
        final byte[] nestedOp;
        final String targetWriter;
        CrdtReplica prepared;

        Op(int kind, String key, long stamp, JsonNode value, String type, byte[] nestedOp, String targetWriter) {
            this.kind = kind;
            this.key = key;
            this.stamp = stamp;
            this.value = value;
            this.type = type;
            this.nestedOp = nestedOp;
            this.targetWriter = targetWriter;
        }
    }

    private static final class Slot {
        long stamp;
        String writer;
        Dot dot;
        JsonNode value;       // null for a removal or a nested CRDT
        String type;          // non-null for a nested CRDT
        CrdtReplica nested;

        boolean removed() {
            return value == null && nested == null;
        }
    }

    private final Map<String, Slot> slots = new HashMap<>();

    public LwwMapReplica(ReplicaContext context) {
        super(context);
    }

    @Override
    public String typeName() {
        return "lww-map";
    }

    @Override
    protected int typeTag() {
        return 7;
    }

    private static boolean newer(long stamp, String writer, Slot s) {
        if (s == null) {
            return true;
        }
        return stamp != s.stamp ? stamp > s.stamp : writer.compareTo(s.writer) > 0;
    }

    @Override
    protected Op prepare(JsonNode intent, HlcTimestamp timestamp) throws CrdtIntentException {
        String op = Json.op(intent);
        String key = Json.textField(intent, "key");
        long ts = timestamp.pack();
        switch (op) {
            case "set":
                return new Op(SET, key, ts, Json.valueField(intent, "value"), null, null, null);
            case "remove":
                return new Op(REMOVE, key, ts, null, null, null, null);
            case "update": {
                String type = Json.textField(intent, "type");
                JsonNode nestedIntent = Json.valueField(intent, "intent");
                Slot s = slots.get(key);
                if (s != null && s.nested != null && s.type.equals(type)) {
                    // The nested replica is atomic on its own; once mutate returns nothing else can fail.
                    byte[] nestedOp = s.nested.mutate(nestedIntent, timestamp);
                    return new Op(UPDATE, key, s.stamp, null, type, nestedOp, s.writer);
                }
                CrdtReplica fresh = Nested.typeForIntent(context, type).newReplica(context);
                byte[] nestedOp = fresh.mutate(nestedIntent, timestamp);
                Op o = new Op(NEST, key, ts, null, type, nestedOp, null);
                o.prepared = fresh;
                return o;
            }
            default:
                throw Json.unknownOp(typeName(), op, "set, remove, update");
        }
    }

    /** Local fast path: same as {@code {"op":"set","key":key,"value":value}}. */
    public byte[] put(String key, JsonNode value, HlcTimestamp timestamp) {
        return commitLocal(new Op(SET, key, timestamp.pack(), value, null, null, null));
    }

    @Override
    protected void writeOp(Op op, ByteWriter w) {
        w.u8(op.kind).string(op.key).varlong(op.stamp);
        switch (op.kind) {
            case SET -> Json.write(w, op.value);
            case NEST -> w.string(op.type).bytes(op.nestedOp);
            case UPDATE -> w.string(op.type).string(op.targetWriter).bytes(op.nestedOp);
            default -> { }
        }
    }

    @Override
    protected Op readOp(ByteReader r) throws CrdtDecodeException {
        int kind = r.u8();
        String key = r.string();
        long stamp = r.bounded(Long.MAX_VALUE, "timestamp");
        return switch (kind) {
            case SET -> new Op(SET, key, stamp, Json.read(r), null, null, null);
            case REMOVE -> new Op(REMOVE, key, stamp, null, null, null, null);
            case NEST -> new Op(NEST, key, stamp, null, r.string(), r.bytes(), null);
            case UPDATE -> {
                String type = r.string();
                String writer = r.replicaId();
                yield new Op(UPDATE, key, stamp, null, type, r.bytes(), writer);
            }
            default -> throw new CrdtDecodeException("unknown lww-map operation kind " + kind);
        };
    }

    @Override
    protected void checkOp(String origin, long seq, Op op) throws CrdtDecodeException {
        if (op.kind == NEST) {
            op.prepared = Nested.fromOperation(context, op.type, op.nestedOp);
        } else if (op.kind == UPDATE) {
            Slot s = slots.get(op.key);
            if (s != null && s.nested != null && s.stamp == op.stamp && s.writer.equals(op.targetWriter)
                    && s.type.equals(op.type)) {
                // Last fallible step: the nested replica applies atomically, nothing fails after it.
                s.nested.apply(op.nestedOp);
            }
        }
    }

    @Override
    protected void applyOp(String origin, long seq, Op op) {
        Slot s = slots.get(op.key);
        Dot dot = new Dot(origin, seq);
        if (op.kind == UPDATE) {
            if (s != null && s.nested != null && s.stamp == op.stamp && s.writer.equals(op.targetWriter)) {
                s.dot = dot;
            }
            return;
        }
        if (!newer(op.stamp, origin, s)) {
            return;
        }
        // Slots are owned by this replica alone, so a winning write may reuse the loser's.
        Slot n = s != null ? s : new Slot();
        n.stamp = op.stamp;
        n.writer = origin;
        n.dot = dot;
        n.value = op.kind == SET ? op.value : null;
        n.type = op.kind == NEST ? op.type : null;
        n.nested = op.kind == NEST ? op.prepared : null;
        if (s == null) {
            slots.put(op.key, n);
        }
    }

    @Override
    protected AbstractReplica<Op> blank() {
        return new LwwMapReplica(context);
    }

    @Override
    protected void writeState(ByteWriter w) {
        writeSlots(w, null);
    }

    @Override
    protected void writeDelta(ByteWriter w, VersionVector since) {
        writeSlots(w, since);
    }

    private void writeSlots(ByteWriter w, VersionVector since) {
        TreeMap<String, Slot> out = new TreeMap<>();
        slots.forEach((k, s) -> {
            if (since == null || s.nested != null || s.dot.seq() > since.get(s.dot.origin())) {
                out.put(k, s);
            }
        });
        w.varlong(out.size());
        out.forEach((k, s) -> {
            w.string(k).varlong(s.stamp).string(s.writer).string(s.dot.origin()).varlong(s.dot.seq());
            if (s.nested != null) {
                w.u8(2).string(s.type).bytes(s.nested.encodeState());
            } else if (s.value != null) {
                w.u8(0);
                Json.write(w, s.value);
            } else {
                w.u8(1);
            }
        });
    }

    @Override
    protected void readState(ByteReader r) throws CrdtDecodeException {
        int n = r.itemCount("slot count");
        for (int i = 0; i < n; i++) {
            String key = r.string();
            Slot s = new Slot();
            s.stamp = r.bounded(Long.MAX_VALUE, "timestamp");
            s.writer = r.replicaId();
            s.dot = new Dot(r.replicaId(), r.bounded(Long.MAX_VALUE, "sequence number"));
            if (s.dot.seq() == 0 || !covered(seen, s.dot.origin(), s.dot.seq())) {
                throw new CrdtDecodeException("slot " + key + " written by " + s.dot + " outside the state's version vector");
            }
            int kind = r.u8();
            switch (kind) {
                case 0 -> s.value = Json.read(r);
                case 1 -> { }
                case 2 -> {
                    s.type = r.string();
                    s.nested = Nested.typeForDecode(context, s.type).decodeState(context, r.bytes());
                }
                default -> throw new CrdtDecodeException("unknown slot kind " + kind + " for key " + key);
            }
            if (slots.put(key, s) != null) {
                throw new CrdtDecodeException("key " + key + " appears twice");
            }
        }
    }

    @Override
    protected void join(AbstractReplica<Op> o) throws CrdtDecodeException {
        LwwMapReplica other = (LwwMapReplica) o;
        Map<String, Slot> changes = new HashMap<>();
        for (Map.Entry<String, Slot> e : other.slots.entrySet()) {
            Slot mine = slots.get(e.getKey());
            Slot theirs = e.getValue();
            if (newer(theirs.stamp, theirs.writer, mine)) {
                changes.put(e.getKey(), theirs);
            } else if (mine.stamp == theirs.stamp && mine.writer.equals(theirs.writer)
                    && mine.nested != null && theirs.nested != null) {
                Slot merged = new Slot();
                merged.stamp = mine.stamp;
                merged.writer = mine.writer;
                merged.dot = mine.dot.seq() >= theirs.dot.seq() || !mine.dot.origin().equals(theirs.dot.origin()) ? mine.dot : theirs.dot;
                merged.type = mine.type;
                merged.nested = Nested.mergedCopy(context, mine.type, mine.nested, theirs.nested);
                changes.put(e.getKey(), merged);
            }
        }
        slots.putAll(changes);
    }

    /**
     * Keeps removal markers. Dropping one is safe only once no write concurrent with the removal
     * can still arrive — and "every replica has seen the removal" does not say that: a set made
     * elsewhere before its writer saw the removal, with an older timestamp, may not have reached
     * this replica yet; without the marker it would bring the key back here and nowhere else (the
     * random-schedule conformance property found exactly that). A replica has no causal-stability
     * information that would make the drop safe, so a removed key costs its name and three numbers.
     */
    @Override
    public void compact(VersionVector seenByAll) {
        // nothing to drop safely; see above
    }

    @Override
    public JsonNode value() {
        ObjectNode out = Json.NODES.objectNode();
        new TreeMap<>(slots).forEach((k, s) -> {
            if (s.nested != null) {
                out.set(k, s.nested.value());
            } else if (s.value != null) {
                out.set(k, s.value.deepCopy());
            }
        });
        return out;
    }
}

package io.rhizome.crdt.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;

import io.rhizome.api.clock.HlcTimestamp;
import io.rhizome.spi.crdt.CrdtDecodeException;
import io.rhizome.spi.crdt.CrdtIntentException;
import io.rhizome.spi.crdt.ReplicaContext;
import io.rhizome.spi.crdt.VersionVector;

/**
 * Last-writer-wins register: the write with the greatest hybrid-logical-clock timestamp wins, ties
 * broken by the writer's replica id ({@link HlcTimestamp#compareWithTieBreak}).
 *
 * <p>Intent: {@code {"op":"set","value":v}}. Value: the winning value, {@code null} before any write.
 */
public final class LwwRegisterReplica extends AbstractReplica<LwwRegisterReplica.Op> {

    record Op(long timestamp, JsonNode value) {
    }

    private JsonNode value = NullNode.getInstance();
    private long stamp = -1; // packed HLC of the winning write, -1 before any write
    private String writer = "";
    private Dot dot;

    public LwwRegisterReplica(ReplicaContext context) {
        super(context);
    }

    @Override
    public String typeName() {
        return "lww-register";
    }

    @Override
    protected int typeTag() {
        return 5;
    }

    @Override
    protected Op prepare(JsonNode intent, HlcTimestamp timestamp) throws CrdtIntentException {
        String op = Json.op(intent);
        if (!op.equals("set")) {
            throw Json.unknownOp(typeName(), op, "set");
        }
        return new Op(timestamp.pack(), Json.valueField(intent, "value"));
    }

    @Override
    protected void writeOp(Op op, ByteWriter w) {
        w.varlong(op.timestamp);
        Json.write(w, op.value);
    }

    @Override
    protected Op readOp(ByteReader r) throws CrdtDecodeException {
        long ts = r.bounded(Long.MAX_VALUE, "timestamp");
        return new Op(ts, Json.read(r));
    }

    private boolean wins(long ts, String who) {
        if (ts != stamp) {
            return ts > stamp;
        }
        return who.compareTo(writer) > 0;
    }

    @Override
    protected void applyOp(String origin, long seq, Op op) {
        if (wins(op.timestamp, origin)) {
            stamp = op.timestamp;
            writer = origin;
            value = op.value;
            dot = new Dot(origin, seq);
        }
    }

    @Override
    protected AbstractReplica<Op> blank() {
        return new LwwRegisterReplica(context);
    }

    @Override
    protected void writeState(ByteWriter w) {
        if (dot == null) {
            w.u8(0);
            return;
        }
        w.u8(1).varlong(stamp).string(writer).varlong(dot.seq());
        Json.write(w, value);
    }

    @Override
    protected void writeDelta(ByteWriter w, VersionVector since) {
        if (dot != null && dot.seq() <= since.get(dot.origin())) {
            w.u8(0); // the receiver already has the winning write
            return;
        }
        writeState(w);
    }

    @Override
    protected void readState(ByteReader r) throws CrdtDecodeException {
        int has = r.u8();
        if (has == 0) {
            return;
        }
        if (has != 1) {
            throw new CrdtDecodeException("bad lww-register state flag " + has);
        }
        stamp = r.bounded(Long.MAX_VALUE, "timestamp");
        writer = r.replicaId();
        long seq = r.bounded(Long.MAX_VALUE, "sequence number");
        if (!covered(seen, writer, seq) || seq == 0) {
            throw new CrdtDecodeException("winning write " + writer + ":" + seq + " not covered by the state's version vector");
        }
        dot = new Dot(writer, seq);
        value = Json.read(r);
    }

    @Override
    protected void join(AbstractReplica<Op> o) {
        LwwRegisterReplica other = (LwwRegisterReplica) o;
        if (other.dot != null && wins(other.stamp, other.writer)) {
            stamp = other.stamp;
            writer = other.writer;
            value = other.value;
            dot = other.dot;
        }
    }

    @Override
    public JsonNode value() {
        return value.deepCopy();
    }
}

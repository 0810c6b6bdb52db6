package io.rhizome.crdt.internal;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;

import io.rhizome.api.clock.HlcTimestamp;
import io.rhizome.spi.crdt.CrdtDecodeException;
import io.rhizome.spi.crdt.CrdtIntentException;
import io.rhizome.spi.crdt.ReplicaContext;

/**
 * Multi-value register: a write replaces the values its writer had seen; writes that did not see
 * each other are all kept, and the next write that has seen them resolves the conflict.
 *
 * <p>Intent: {@code {"op":"set","value":v}}. Value: a JSON array of the concurrent values (distinct,
 * sorted by canonical text); empty before any write, one element when there is no conflict.
 */
public final class MvRegisterReplica extends AbstractReplica<MvRegisterReplica.Op> {

    record Op(JsonNode value, List<Dot> observed) {
    }

    private Map<Dot, JsonNode> values = new HashMap<>();

    public MvRegisterReplica(ReplicaContext context) {
        super(context);
    }

    @Override
    public String typeName() {
        return "mv-register";
    }

    @Override
    protected int typeTag() {
        return 6;
    }

    @Override
    protected Op prepare(JsonNode intent, HlcTimestamp timestamp) throws CrdtIntentException {
        String op = Json.op(intent);
        if (!op.equals("set")) {
            throw Json.unknownOp(typeName(), op, "set");
        }
        return new Op(Json.valueField(intent, "value"), List.copyOf(values.keySet()));
    }

    @Override
    protected void writeOp(Op op, ByteWriter w) {
        Json.write(w, op.value);
        Dot.write(w, op.observed);
    }

    @Override
    protected Op readOp(ByteReader r) throws CrdtDecodeException {
        JsonNode v = Json.read(r);
        return new Op(v, Dot.read(r));
    }

    @Override
    protected void applyOp(String origin, long seq, Op op) {
        op.observed.forEach(values::remove);
        values.put(new Dot(origin, seq), op.value);
    }

    @Override
    protected AbstractReplica<Op> blank() {
        return new MvRegisterReplica(context);
    }

    @Override
    protected void writeState(ByteWriter w) {
        TreeMap<Dot, JsonNode> sorted = new TreeMap<>(values);
        w.varlong(sorted.size());
        sorted.forEach((d, v) -> {
            w.string(d.origin()).varlong(d.seq());
            Json.write(w, v);
        });
    }

    @Override
    protected void readState(ByteReader r) throws CrdtDecodeException {
        int n = r.itemCount("value count");
        for (int i = 0; i < n; i++) {
            Dot d = new Dot(r.replicaId(), r.bounded(Long.MAX_VALUE, "sequence number"));
            Dot.checkCovered(List.of(d), seen);
            if (d.seq() == 0 || values.put(d, Json.read(r)) != null) {
                throw new CrdtDecodeException("bad or repeated dot " + d);
            }
        }
    }

    @Override
    protected void join(AbstractReplica<Op> o) {
        MvRegisterReplica other = (MvRegisterReplica) o;
        Set<Dot> joined = Dot.join(values.keySet(), seen, other.values.keySet(), other.seen);
        Map<Dot, JsonNode> next = new HashMap<>();
        for (Dot d : joined) {
            JsonNode v = values.get(d);
            next.put(d, v != null ? v : other.values.get(d));
        }
        values = next;
    }

    @Override
    public JsonNode value() {
        TreeMap<String, JsonNode> distinct = new TreeMap<>();
        values.values().forEach(v -> distinct.put(Json.canonical(v), v));
        ArrayNode out = Json.NODES.arrayNode(distinct.size());
        distinct.values().forEach(v -> out.add(v.deepCopy()));
        return out;
    }
}

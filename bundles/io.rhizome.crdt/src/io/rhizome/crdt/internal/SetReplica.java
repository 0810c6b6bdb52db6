package io.rhizome.crdt.internal;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;

import io.rhizome.api.clock.HlcTimestamp;
import io.rhizome.spi.crdt.CrdtDecodeException;
import io.rhizome.spi.crdt.CrdtIntentException;
import io.rhizome.spi.crdt.ReplicaContext;

/**
 * G-Set ({@code removable == false}) and add-wins OR-Set. Elements are JSON values compared by their
 * canonical text. In the OR-Set each element carries the dots of the adds that are still live; an add
 * or a remove replaces exactly the dots its origin had observed, so a concurrent add survives a
 * remove, and since presence is decided by dots plus the version vector no tombstone is ever kept.
 *
 * <p>Intents: {@code {"op":"add","value":v}}, and for or-set {@code {"op":"remove","value":v}}
 * (removing an absent element is allowed and changes nothing visible). Value: the elements as a JSON
 * array sorted by canonical text.
 */
public final class SetReplica extends AbstractReplica<SetReplica.Op> {

    record Op(boolean add, JsonNode value, List<Dot> observed) {
    }

    private static final class Entry {
        final JsonNode value;
        Set<Dot> dots = new HashSet<>();

        Entry(JsonNode value) {
            this.value = value;
        }
    }

    private final boolean removable;
    private final TreeMap<String, Entry> elements = new TreeMap<>();

    public SetReplica(ReplicaContext context, boolean removable) {
        super(context);
        this.removable = removable;
    }

    @Override
    public String typeName() {
        return removable ? "or-set" : "g-set";
    }

    @Override
    protected int typeTag() {
        return removable ? 4 : 3;
    }

    @Override
    protected Op prepare(JsonNode intent, HlcTimestamp timestamp) throws CrdtIntentException {
        String op = Json.op(intent);
        JsonNode value = Json.valueField(intent, "value");
        Entry e = elements.get(Json.canonical(value));
        List<Dot> observed = e == null || !removable ? List.of() : List.copyOf(e.dots);
        return switch (op) {
            case "add" -> new Op(true, value, observed);
            case "remove" -> {
                if (!removable) {
                    throw new CrdtIntentException("a g-set only grows; use an or-set to remove elements");
                }
                yield new Op(false, value, observed);
            }
            default -> throw Json.unknownOp(typeName(), op, removable ? "add, remove" : "add");
        };
    }

    @Override
    protected void writeOp(Op op, ByteWriter w) {
        w.u8(op.add ? 1 : 0);
        Json.write(w, op.value);
        if (removable) {
            Dot.write(w, op.observed);
        }
    }

    @Override
    protected Op readOp(ByteReader r) throws CrdtDecodeException {
        int kind = r.u8();
        if (kind > 1 || (kind == 0 && !removable)) {
            throw new CrdtDecodeException("unknown " + typeName() + " operation kind " + kind);
        }
        JsonNode value = Json.read(r);
        List<Dot> observed = removable ? Dot.read(r) : List.of();
        return new Op(kind == 1, value, observed);
    }

    @Override
    protected void applyOp(String origin, long seq, Op op) {
        String key = Json.canonical(op.value);
        Entry e = elements.get(key);
        if (op.add) {
            if (e == null) {
                e = new Entry(op.value);
                elements.put(key, e);
            }
            if (removable) {
                op.observed.forEach(e.dots::remove);
                e.dots.add(new Dot(origin, seq));
            }
        } else if (e != null) {
            op.observed.forEach(e.dots::remove);
            if (e.dots.isEmpty()) {
                elements.remove(key);
            }
        }
    }

    @Override
    protected AbstractReplica<Op> blank() {
        return new SetReplica(context, removable);
    }

    @Override
    protected void writeState(ByteWriter w) {
        w.varlong(elements.size());
        elements.forEach((key, e) -> {
            w.string(key);
            if (removable) {
                Dot.write(w, e.dots);
            }
        });
    }

    @Override
    protected void readState(ByteReader r) throws CrdtDecodeException {
        int n = r.itemCount("element count");
        for (int i = 0; i < n; i++) {
            JsonNode value = Json.read(r);
            String key = Json.canonical(value);
            Entry e = new Entry(value);
            if (removable) {
                List<Dot> dots = Dot.read(r);
                if (dots.isEmpty()) {
                    throw new CrdtDecodeException("or-set element " + key + " without dots");
                }
                Dot.checkCovered(dots, seen);
                e.dots.addAll(dots);
            }
            if (elements.put(key, e) != null) {
                throw new CrdtDecodeException("element " + key + " appears twice");
            }
        }
    }

    @Override
    protected void join(AbstractReplica<Op> o) {
        SetReplica other = (SetReplica) o;
        if (!removable) {
            other.elements.forEach(elements::putIfAbsent);
            return;
        }
        Set<String> keys = new HashSet<>(elements.keySet());
        keys.addAll(other.elements.keySet());
        for (String key : keys) {
            Entry mine = elements.get(key);
            Entry theirs = other.elements.get(key);
            Set<Dot> joined = Dot.join(mine == null ? Set.of() : mine.dots, seen,
                    theirs == null ? Set.of() : theirs.dots, other.seen);
            if (joined.isEmpty()) {
                elements.remove(key);
            } else {
                Entry e = mine != null ? mine : new Entry(theirs.value);
                e.dots = joined;
                elements.put(key, e);
            }
        }
    }

    @Override
    public JsonNode value() {
        ArrayNode out = Json.NODES.arrayNode(elements.size());
        elements.values().forEach(e -> out.add(e.value.deepCopy()));
        return out;
    }
}

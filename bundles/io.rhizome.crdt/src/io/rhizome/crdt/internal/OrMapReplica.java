package io.rhizome.crdt.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.api.clock.HlcTimestamp;
import io.rhizome.spi.crdt.CrdtDecodeException;
import io.rhizome.spi.crdt.CrdtIntentException;
import io.rhizome.spi.crdt.CrdtReplica;
import io.rhizome.spi.crdt.ReplicaContext;

/**
 * Observed-remove map of nested CRDTs (add-wins keys). A field is identified by its key and its
 * CRDT type; an update keeps the key present (it adds a dot) and goes to the field's nested
 * replica, a remove hides the key by dropping the dots its origin had observed, so an update
 * concurrent with a remove wins. The nested replica keeps its history while hidden: an update after
 * a remove continues from it (remove means "hide", not "reset").
 *
 * <p>Intents: {@code {"op":"update","key":k,"type":t,"intent":{...}}} and {@code {"op":"remove","key":k}}.
 * Value: a JSON object of the present keys (sorted) with their nested value; if concurrent updates
 * created one key with two types, the field whose type name sorts first is shown. Its export adds
 * each shown field's type (see {@link #exportValue()}).
 */
public final class OrMapReplica extends AbstractReplica<OrMapReplica.Op> {

    static final class Op {
        final boolean update;
        final String key;
        final String type;              // update only
        final byte[] nestedOp;          // update only
        final Map<String, List<Dot>> observed; // per type
        CrdtReplica prepared;           // a new field's replica; never encoded

        Op(boolean update, String key, String type, byte[] nestedOp, Map<String, List<Dot>> observed) {
            this.update = update;
            this.key = key;
            this.type = type;
            this.nestedOp = nestedOp;
            this.observed = observed;
        }
    }

    private static final class Field {
        Set<Dot> dots = new HashSet<>();
        CrdtReplica nested;

        Field(CrdtReplica nested) {
            this.nested = nested;
        }
    }

    private final Map<String, TreeMap<String, Field>> keys = new HashMap<>();

    public OrMapReplica(ReplicaContext context) {
        super(context);
    }

    @Override
    public String typeName() {
        return "or-map";
    }

    @Override
    protected int typeTag() {
        return 8;
    }

    private Map<String, List<Dot>> observed(String key, String onlyType) {
        Map<String, List<Dot>> out = new TreeMap<>();
        TreeMap<String, Field> fields = keys.get(key);
        if (fields != null) {
            fields.forEach((t, f) -> {
                if ((onlyType == null || onlyType.equals(t)) && !f.dots.isEmpty()) {
                    out.put(t, List.copyOf(f.dots));
                }
            });
        }
        return out;
    }

    @Override
    protected Op prepare(JsonNode intent, HlcTimestamp timestamp) throws CrdtIntentException {
        String op = Json.op(intent);
        String key = Json.textField(intent, "key");
        switch (op) {
            case "remove":
                return new Op(false, key, null, null, observed(key, null));
            case "update": {
                String type = Json.textField(intent, "type");
                JsonNode nestedIntent = Json.valueField(intent, "intent");
                TreeMap<String, Field> fields = keys.get(key);
                Field f = fields == null ? null : fields.get(type);
                if (f != null) {
                    // Atomic on its own; nothing fails after it returns.
                    byte[] nestedOp = f.nested.mutate(nestedIntent, timestamp);
                    return new Op(true, key, type, nestedOp, observed(key, type));
                }
                CrdtReplica fresh = Nested.typeForIntent(context, type).newReplica(context);
                byte[] nestedOp = fresh.mutate(nestedIntent, timestamp);
                Op o = new Op(true, key, type, nestedOp, Map.of());
                o.prepared = fresh;
                return o;
            }
            default:
                throw Json.unknownOp(typeName(), op, "update, remove");
        }
    }

    @Override
    protected void writeOp(Op op, ByteWriter w) {
        w.u8(op.update ? 1 : 0).string(op.key);
        if (op.update) {
            w.string(op.type).bytes(op.nestedOp);
        }
        w.varlong(op.observed.size());
        new TreeMap<>(op.observed).forEach((t, dots) -> {
            w.string(t);
            Dot.write(w, dots);
        });
    }

    @Override
    protected Op readOp(ByteReader r) throws CrdtDecodeException {
        int kind = r.u8();
        if (kind > 1) {
            throw new CrdtDecodeException("unknown or-map operation kind " + kind);
        }
        String key = r.string();
        String type = null;
        byte[] nestedOp = null;
        if (kind == 1) {
            type = r.string();
            nestedOp = r.bytes();
        }
        int n = r.itemCount("observed field count");
        Map<String, List<Dot>> observed = new HashMap<>();
        for (int i = 0; i < n; i++) {
            String t = r.string();
            if (observed.put(t, Dot.read(r)) != null) {
                throw new CrdtDecodeException("type " + t + " observed twice");
            }
        }
        return new Op(kind == 1, key, type, nestedOp, observed);
    }

    @Override
    protected void checkOp(String origin, long seq, Op op) throws CrdtDecodeException {
        if (!op.update) {
            return;
        }
        TreeMap<String, Field> fields = keys.get(op.key);
        Field f = fields == null ? null : fields.get(op.type);
        if (f == null) {
            op.prepared = Nested.fromOperation(context, op.type, op.nestedOp);
        } else {
            f.nested.apply(op.nestedOp); // last fallible step
        }
    }

    @Override
    protected void applyOp(String origin, long seq, Op op) {
        TreeMap<String, Field> fields = keys.get(op.key);
        if (fields != null) {
            op.observed.forEach((t, dots) -> {
                Field f = fields.get(t);
                if (f != null) {
                    dots.forEach(f.dots::remove);
                }
            });
        }
        if (op.update) {
            TreeMap<String, Field> fs = keys.computeIfAbsent(op.key, k -> new TreeMap<>());
            Field f = fs.get(op.type);
            if (f == null) {
                f = new Field(op.prepared);
                fs.put(op.type, f);
            }
            f.dots.add(new Dot(origin, seq));
        }
    }

    @Override
    protected AbstractReplica<Op> blank() {
        return new OrMapReplica(context);
    }

    @Override
    protected void writeState(ByteWriter w) {
        TreeMap<String, TreeMap<String, Field>> sorted = new TreeMap<>(keys);
        w.varlong(sorted.size());
        sorted.forEach((k, fields) -> {
            w.string(k).varlong(fields.size());
            fields.forEach((t, f) -> {
                w.string(t);
                Dot.write(w, f.dots);
                w.bytes(f.nested.encodeState());
            });
        });
    }

    @Override
    protected void readState(ByteReader r) throws CrdtDecodeException {
        int n = r.itemCount("key count");
        for (int i = 0; i < n; i++) {
            String key = r.string();
            int m = r.itemCount("field count");
            TreeMap<String, Field> fields = new TreeMap<>();
            for (int j = 0; j < m; j++) {
                String type = r.string();
                List<Dot> dots = Dot.read(r);
                Dot.checkCovered(dots, seen);
                Field f = new Field(Nested.typeForDecode(context, type).decodeState(context, r.bytes()));
                f.dots.addAll(dots);
                if (fields.put(type, f) != null) {
                    throw new CrdtDecodeException("field " + key + "/" + type + " appears twice");
                }
            }
            if (keys.put(key, fields) != null) {
                throw new CrdtDecodeException("key " + key + " appears twice");
            }
        }
    }

    @Override
    protected void join(AbstractReplica<Op> o) throws CrdtDecodeException {
        OrMapReplica other = (OrMapReplica) o;
        // Compute every merged field first (nested merges run on copies), then commit.
        List<Runnable> commit = new ArrayList<>();
        Set<String> all = new HashSet<>(keys.keySet());
        all.addAll(other.keys.keySet());
        for (String key : all) {
            TreeMap<String, Field> mine = keys.getOrDefault(key, new TreeMap<>());
            TreeMap<String, Field> theirs = other.keys.getOrDefault(key, new TreeMap<>());
            Set<String> types = new HashSet<>(mine.keySet());
            types.addAll(theirs.keySet());
            TreeMap<String, Field> result = new TreeMap<>();
            for (String t : types) {
                Field a = mine.get(t);
                Field b = theirs.get(t);
                CrdtReplica nested = a == null ? b.nested
                        : b == null ? a.nested
                        : Nested.mergedCopy(context, t, a.nested, b.nested);
                Field f = new Field(nested);
                f.dots = Dot.join(a == null ? Set.of() : a.dots, seen, b == null ? Set.of() : b.dots, other.seen);
                result.put(t, f);
            }
            commit.add(() -> keys.put(key, result));
        }
        commit.forEach(Runnable::run);
    }

    @Override
    public JsonNode value() {
        ObjectNode out = Json.NODES.objectNode();
        new TreeMap<>(keys).forEach((k, fields) -> {
            for (Field f : fields.values()) {
                if (!f.dots.isEmpty()) {
                    out.set(k, f.nested.value());
                    break;
                }
            }
        });
        return out;
    }

    /**
     * The value with each key's nested type, {@code {"k":{"type":t,"value":v}}} (v the nested
     * replica's own export), so that an import recreates the same nested types: the plain value
     * cannot tell a pn-counter from a register holding a number.
     */
    @Override
    public JsonNode exportValue() {
        ObjectNode out = Json.NODES.objectNode();
        new TreeMap<>(keys).forEach((k, fields) -> {
            for (Map.Entry<String, Field> f : fields.entrySet()) {
                if (!f.getValue().dots.isEmpty()) {
                    ObjectNode field = out.putObject(k);
                    field.put("type", f.getKey());
                    field.set("value", f.getValue().nested.exportValue());
                    break;
                }
            }
        });
        return out;
    }
}

package io.rhizome.crdt.internal;

import java.math.BigInteger;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;

import io.rhizome.api.clock.HlcTimestamp;
import io.rhizome.spi.crdt.CrdtDecodeException;
import io.rhizome.spi.crdt.CrdtIntentException;
import io.rhizome.spi.crdt.ReplicaContext;
import io.rhizome.spi.crdt.VersionVector;

/**
 * G-Counter ({@code signed == false}) and PN-Counter: per origin, the sum of its increments and the
 * sum of its decrements, each only growing, stamped with the origin's last sequence number so that
 * states join by taking, per origin, the entry with the higher stamp.
 *
 * <p>Intents: {@code {"op":"increment","by":n}} (n defaults to 1; must be {@code >= 0} for
 * g-counter) and, for pn-counter only, {@code {"op":"decrement","by":n}} ({@code n >= 0}).
 * Value: the total as a JSON integer.
 */
public final class CounterReplica extends AbstractReplica<Long> {

    private final boolean signed;
    private final Map<String, long[]> entries = new HashMap<>(); // origin -> {plus, minus}

    public CounterReplica(ReplicaContext context, boolean signed) {
        super(context);
        this.signed = signed;
    }

    @Override
    public String typeName() {
        return signed ? "pn-counter" : "g-counter";
    }

    @Override
    protected int typeTag() {
        return signed ? 2 : 1;
    }

    @Override
    protected Long prepare(JsonNode intent, HlcTimestamp timestamp) throws CrdtIntentException {
        String op = Json.op(intent);
        long by = Json.longField(intent, "by", 1);
        long delta;
        switch (op) {
            case "increment" -> {
                if (by < 0 && !signed) {
                    throw new CrdtIntentException("a g-counter only grows: \"by\" must be >= 0, got " + by);
                }
                delta = by;
            }
            case "decrement" -> {
                if (!signed) {
                    throw new CrdtIntentException("a g-counter cannot be decremented; use a pn-counter");
                }
                if (by < 0 || by == Long.MIN_VALUE) {
                    throw new CrdtIntentException("\"by\" of a decrement must be >= 0, got " + by);
                }
                delta = -by;
            }
            default -> throw Json.unknownOp(typeName(), op, signed ? "increment, decrement" : "increment");
        }
        checkRoom(self, delta, CrdtIntentException::new);
        return delta;
    }

    /** Local fast path (benchmarks, hosts that count): same as the intent {"op":"increment","by":delta}. */
    public byte[] add(long delta) throws CrdtIntentException {
        if (delta < 0 && !signed) {
            throw new CrdtIntentException("a g-counter only grows");
        }
        checkRoom(self, delta, CrdtIntentException::new);
        return commitLocal(delta);
    }

    private interface Failure<E extends Exception> {
        E make(String message);
    }

    private <E extends Exception> void checkRoom(String origin, long delta, Failure<E> failure) throws E {
        long[] e = entries.get(origin);
        long current = e == null ? 0 : delta >= 0 ? e[0] : e[1];
        long magnitude = delta >= 0 ? delta : -delta;
        if (magnitude < 0 || Long.MAX_VALUE - current < magnitude) {
            throw failure.make("counter entry of " + origin + " would overflow 64 bits");
        }
    }

    @Override
    protected void writeOp(Long op, ByteWriter w) {
        w.zigzag(op);
    }

    @Override
    protected Long readOp(ByteReader r) throws CrdtDecodeException {
        long d = r.zigzag();
        if (d < 0 && !signed) {
            throw new CrdtDecodeException("negative increment in a g-counter operation");
        }
        if (d == Long.MIN_VALUE) {
            throw new CrdtDecodeException("counter delta out of range");
        }
        return d;
    }

    @Override
    protected void checkOp(String origin, long seq, Long op) throws CrdtDecodeException {
        checkRoom(origin, op, CrdtDecodeException::new);
    }

    @Override
    protected void applyOp(String origin, long seq, Long delta) {
        long[] e = entries.computeIfAbsent(origin, k -> new long[2]);
        if (delta >= 0) {
            e[0] += delta;
        } else {
            e[1] -= delta;
        }
    }

    @Override
    protected AbstractReplica<Long> blank() {
        return new CounterReplica(context, signed);
    }

    @Override
    protected void writeState(ByteWriter w) {
        writeEntries(w, null);
    }

    @Override
    protected void writeDelta(ByteWriter w, VersionVector since) {
        writeEntries(w, since);
    }

    private void writeEntries(ByteWriter w, VersionVector since) {
        TreeMap<String, long[]> out = new TreeMap<>();
        entries.forEach((id, e) -> {
            if (since == null || seen(id) > since.get(id)) {
                out.put(id, e);
            }
        });
        w.varlong(out.size());
        out.forEach((id, e) -> {
            w.string(id).varlong(e[0]);
            if (signed) {
                w.varlong(e[1]);
            }
        });
    }

    @Override
    protected void readState(ByteReader r) throws CrdtDecodeException {
        int n = r.itemCount("counter entries");
        for (int i = 0; i < n; i++) {
            String id = r.replicaId();
            long plus = r.bounded(Long.MAX_VALUE, "counter entry");
            long minus = signed ? r.bounded(Long.MAX_VALUE, "counter entry") : 0;
            if (seen(id) == 0) {
                throw new CrdtDecodeException("counter entry for " + id + " which the state's version vector does not cover");
            }
            if (entries.put(id, new long[] {plus, minus}) != null) {
                throw new CrdtDecodeException("counter entry for " + id + " appears twice");
            }
        }
    }

    @Override
    protected void join(AbstractReplica<Long> o) {
        CounterReplica other = (CounterReplica) o;
        // Both halves of an entry only grow with the origin's sequence number, so the entry of the
        // replica that has seen more of that origin is the newer one.
        other.entries.forEach((id, e) -> {
            if (other.seen(id) > seen(id)) {
                entries.put(id, e.clone());
            }
        });
    }

    @Override
    public JsonNode value() {
        long total = 0;
        boolean exact = true;
        for (long[] e : entries.values()) {
            try {
                total = Math.addExact(total, e[0] - e[1]);
            } catch (ArithmeticException ex) {
                exact = false;
                break;
            }
        }
        if (exact) {
            // the node JSON parsing would give for the same number, so values compare equal
            return total == (int) total ? Json.NODES.numberNode((int) total) : Json.NODES.numberNode(total);
        }
        BigInteger big = BigInteger.ZERO;
        for (long[] e : entries.values()) {
            big = big.add(BigInteger.valueOf(e[0])).subtract(BigInteger.valueOf(e[1]));
        }
        return Json.NODES.numberNode(big);
    }
}

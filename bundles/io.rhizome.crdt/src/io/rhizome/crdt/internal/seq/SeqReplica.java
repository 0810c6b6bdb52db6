package io.rhizome.crdt.internal.seq;

import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import io.rhizome.crdt.internal.AbstractReplica;
import io.rhizome.crdt.internal.ByteReader;
import io.rhizome.crdt.internal.ByteWriter;
import io.rhizome.crdt.internal.Json;
import io.rhizome.spi.crdt.CrdtDecodeException;
import io.rhizome.spi.crdt.CrdtIntentException;
import io.rhizome.spi.crdt.ReplicaContext;
import io.rhizome.spi.crdt.VersionVector;

/**
 * A replica of a sequence CRDT ({@code text} or {@code list}) over a {@link SeqDoc}.
 *
 * <p>Operation bodies: {@code 1, first, leftRef, rightRef, content} for an insert, and
 * {@code 2, rangeCount, [agentRef, first, count]...} for a delete, where a reference is
 * {@code 0} (document end), {@code 1 seq} (an element of the operation's origin) or
 * {@code 2 name seq}. States: see {@link SeqStateCodec}.
 */
public abstract class SeqReplica extends AbstractReplica<SeqReplica.Op> {

    static final String ORIGIN = new String("<origin>"); // identity marks "the operation's origin"

    static final class Op {
        final boolean insert;
        // insert
        int first;
        String leftAgent;
        int leftSeq;
        String rightAgent;
        int rightSeq;
        Object content;      // int[] code points or JsonNode[]
        String text;         // the same content as a string (text only), kept to encode without converting
        int count;
        // delete
        String[] agents;
        int[] firsts;
        int[] counts;
        int ranges;
        boolean local;

        Op(boolean insert) {
            this.insert = insert;
        }
    }

    SeqDoc doc;

    protected SeqReplica(ReplicaContext context, boolean text) {
        super(context);
        this.doc = new SeqDoc(text);
    }

    protected final boolean isText() {
        return doc.text;
    }

    // ---------------------------------------------------------------- local edits

    final Op localInsert(int index, Object content, String text, int n) throws CrdtIntentException {
        if (index < 0 || index > doc.visible) {
            throw new CrdtIntentException("insert index " + index + " is outside [0, " + doc.visible + "]");
        }
        if (n < 1) {
            throw new CrdtIntentException("nothing to insert");
        }
        int me = doc.ids.agent(self);
        doc.insertLocal(me, index, content, n);
        Op op = new Op(true);
        op.local = true;
        op.first = doc.opFirst;
        op.leftAgent = doc.opLeftAgent == SeqDoc.NONE ? null : doc.agentName(doc.opLeftAgent);
        op.leftSeq = doc.opLeftSeq;
        op.rightAgent = doc.opRightAgent == SeqDoc.NONE ? null : doc.agentName(doc.opRightAgent);
        op.rightSeq = doc.opRightSeq;
        op.content = content;
        op.text = text;
        op.count = n;
        return op;
    }

    final Op localDelete(int index, int count) throws CrdtIntentException {
        if (count < 1 || index < 0 || index > doc.visible - count) {
            throw new CrdtIntentException("delete of " + count + " at " + index + " is outside [0, " + doc.visible + ")");
        }
        Op op = new Op(false);
        op.local = true;
        op.agents = new String[2];
        op.firsts = new int[2];
        op.counts = new int[2];
        doc.deleteLocal(index, count, (agent, first, n) -> {
            if (op.ranges == op.agents.length) {
                op.agents = Arrays.copyOf(op.agents, op.ranges * 2);
                op.firsts = Arrays.copyOf(op.firsts, op.ranges * 2);
                op.counts = Arrays.copyOf(op.counts, op.ranges * 2);
            }
            op.agents[op.ranges] = doc.agentName(agent);
            op.firsts[op.ranges] = first;
            op.counts[op.ranges] = n;
            op.ranges++;
        });
        return op;
    }

    final byte[] commit(Op op) {
        return commitLocal(op);
    }

    protected final Op deleteIntent(JsonNode intent) throws CrdtIntentException {
        int index = Json.intField(intent, "index");
        long count = Json.longField(intent, "count", 1);
        if (count > Integer.MAX_VALUE) {
            throw new CrdtIntentException("\"count\" too large: " + count);
        }
        return localDelete(index, (int) count);
    }

    // ---------------------------------------------------------------- operation codec

    private void writeRef(ByteWriter w, String agent, int seq) {
        if (agent == null) {
            w.u8(0);
        } else if (agent.equals(self)) {
            w.u8(1).varlong(seq);
        } else {
            w.u8(2).string(agent).varlong(seq);
        }
    }

    @Override
    protected void writeOp(Op op, ByteWriter w) {
        if (op.insert) {
            w.u8(1).varlong(op.first);
            writeRef(w, op.leftAgent, op.leftSeq);
            writeRef(w, op.rightAgent, op.rightSeq);
            writeContent(w, op);
        } else {
            w.u8(2).varlong(op.ranges);
            for (int i = 0; i < op.ranges; i++) {
                if (op.agents[i].equals(self)) {
                    w.u8(1);
                } else {
                    w.u8(2).string(op.agents[i]);
                }
                w.varlong(op.firsts[i]).varlong(op.counts[i]);
            }
        }
    }

    private static int element(ByteReader r) throws CrdtDecodeException {
        return (int) r.bounded(Integer.MAX_VALUE - 1, "element number");
    }

    private static String agentRef(ByteReader r, int tag) throws CrdtDecodeException {
        return switch (tag) {
            case 1 -> ORIGIN;
            case 2 -> r.replicaId();
            default -> throw new CrdtDecodeException("bad element reference tag " + tag);
        };
    }

    @Override
    protected Op readOp(ByteReader r) throws CrdtDecodeException {
        int kind = r.u8();
        if (kind == 1) {
            Op op = new Op(true);
            op.first = element(r);
            int tag = r.u8();
            if (tag != 0) {
                op.leftAgent = agentRef(r, tag);
                op.leftSeq = element(r);
            }
            tag = r.u8();
            if (tag != 0) {
                op.rightAgent = agentRef(r, tag);
                op.rightSeq = element(r);
            }
            readContent(r, op);
            if (op.count < 1 || (long) op.first + op.count > Integer.MAX_VALUE) {
                throw new CrdtDecodeException("insert of " + op.count + " elements from " + op.first + " is not valid");
            }
            return op;
        }
        if (kind == 2) {
            Op op = new Op(false);
            int n = r.itemCount("delete range count");
            if (n == 0) {
                throw new CrdtDecodeException("delete without ranges");
            }
            op.ranges = n;
            op.agents = new String[n];
            op.firsts = new int[n];
            op.counts = new int[n];
            for (int i = 0; i < n; i++) {
                op.agents[i] = agentRef(r, r.u8());
                op.firsts[i] = element(r);
                op.counts[i] = element(r);
                if (op.counts[i] < 1) {
                    throw new CrdtDecodeException("empty delete range");
                }
            }
            return op;
        }
        throw new CrdtDecodeException("unknown " + typeName() + " operation kind " + kind);
    }

    protected abstract void writeContent(ByteWriter w, Op op);

    protected abstract void readContent(ByteReader r, Op op) throws CrdtDecodeException;

    private static String resolve(String ref, String origin) {
        return ref == ORIGIN ? origin : ref;
    }

    private void checkExists(String agent, int seq, String what) throws CrdtDecodeException {
        if (!doc.ids.contains(doc.ids.agentIfKnown(agent), seq)) {
            throw new CrdtDecodeException(what + " " + agent + ":" + seq + " is unknown here");
        }
    }

    @Override
    protected void checkOp(String origin, long seq, Op op) throws CrdtDecodeException {
        if (op.insert) {
            op.leftAgent = resolve(op.leftAgent, origin);
            op.rightAgent = resolve(op.rightAgent, origin);
            int a = doc.ids.agentIfKnown(origin);
            int expected = a == SeqDoc.NONE ? 0 : doc.ids.nextElement[a];
            if (op.first != expected) {
                throw new CrdtDecodeException("insert numbers its elements from " + op.first + " but " + origin
                        + " has inserted " + expected + " here");
            }
            if (op.leftAgent != null) {
                checkExists(op.leftAgent, op.leftSeq, "left neighbour");
            }
            if (op.rightAgent != null) {
                checkExists(op.rightAgent, op.rightSeq, "right neighbour");
            }
        } else {
            for (int i = 0; i < op.ranges; i++) {
                op.agents[i] = resolve(op.agents[i], origin);
                int a = doc.ids.agentIfKnown(op.agents[i]);
                if (!doc.ids.contains(a, op.firsts[i]) || (long) op.firsts[i] + op.counts[i] > doc.ids.nextElement[a]) {
                    throw new CrdtDecodeException("delete of unknown elements " + op.agents[i] + ":" + op.firsts[i]
                            + "+" + op.counts[i]);
                }
            }
        }
    }

    @Override
    protected void applyOp(String origin, long seq, Op op) {
        if (op.local) {
            return; // applied while preparing
        }
        if (op.insert) {
            int a = doc.ids.agent(origin);
            int la = op.leftAgent == null ? SeqDoc.NONE : doc.ids.agent(op.leftAgent);
            int ra = op.rightAgent == null ? SeqDoc.NONE : doc.ids.agent(op.rightAgent);
            doc.integrate(a, op.first, op.count, la, op.leftSeq, ra, op.rightSeq, op.content, 0, false);
        } else {
            for (int i = 0; i < op.ranges; i++) {
                doc.deleteIds(doc.ids.agent(op.agents[i]), op.firsts[i], op.counts[i]);
            }
        }
    }

    // ---------------------------------------------------------------- states

    @Override
    protected void writeState(ByteWriter w) {
        SeqStateCodec.write(doc, w);
    }

    @Override
    protected void writeDelta(ByteWriter w, VersionVector since) {
        // Element ids are not operation numbers, so a precise delta would need a map from one to the
        // other; the full state (compressed) is always correct.
        writeState(w);
    }

    @Override
    protected void readState(ByteReader r) throws CrdtDecodeException {
        doc = SeqStateCodec.read(r, isText());
    }

    /** A state decoded by {@link #readStateToJoin}, not built into {@link #doc}. */
    private SeqState toJoin;

    @Override
    protected void readStateToJoin(ByteReader r) throws CrdtDecodeException {
        toJoin = SeqStateCodec.readState(r, isText(), false);
    }

    @Override
    protected void join(AbstractReplica<Op> o) throws CrdtDecodeException {
        SeqReplica other = (SeqReplica) o;
        SeqState state = other.toJoin;
        if (state == null) { // not decoded to join: the doc is there
            SeqMerge.merge(doc, SeqStateCodec.readState(new ByteReader(stateBody(other)), isText(), false));
            return;
        }
        if (doc.runCount() == 0 && doc.ids.names.isEmpty()) {
            doc = state.toDoc();
            return;
        }
        if (covers(other)) {
            return; // every operation in the state has been applied here (the state was checked all the same)
        }
        SeqMerge.merge(doc, state);
    }

    /** Whether this replica has seen every operation the other has. */
    private boolean covers(SeqReplica other) {
        for (var e : other.seen.entrySet()) {
            if (e.getValue() > seen(e.getKey())) {
                return false;
            }
        }
        return true;
    }

    private static byte[] stateBody(SeqReplica r) {
        ByteWriter w = new ByteWriter(1024);
        r.writeState(w);
        return w.toByteArray();
    }

    // ---------------------------------------------------------------- value helpers

    public final int length() {
        return doc.visible;
    }

    final List<Content> contents() {
        return doc.contents();
    }

    /** Run count, for benchmarks and tests. */
    public final int runs() {
        return doc.runCount();
    }
}

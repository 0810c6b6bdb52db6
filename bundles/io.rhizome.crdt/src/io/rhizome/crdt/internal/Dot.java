package io.rhizome.crdt.internal;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.rhizome.spi.crdt.CrdtDecodeException;

/**
 * One operation's identity: its origin replica and sequence number. Dot-based types (or-set,
 * mv-register, or-map) tag live content with the dots that created it and use the version vector as
 * the causal context, so removals need no tombstones.
 */
public record Dot(String origin, long seq) implements Comparable<Dot> {

    @Override
    public int compareTo(Dot o) {
        int c = origin.compareTo(o.origin);
        return c != 0 ? c : Long.compare(seq, o.seq);
    }

    static void write(ByteWriter w, Collection<Dot> dots) {
        w.varlong(dots.size());
        dots.stream().sorted().forEach(d -> w.string(d.origin).varlong(d.seq));
    }

    static List<Dot> read(ByteReader r) throws CrdtDecodeException {
        int n = r.itemCount("dot count");
        Dot[] out = new Dot[n];
        for (int i = 0; i < n; i++) {
            String origin = r.replicaId();
            long seq = r.bounded(Long.MAX_VALUE, "dot sequence number");
            if (seq == 0) {
                throw new CrdtDecodeException("dot with sequence number 0");
            }
            out[i] = new Dot(origin, seq);
        }
        return List.of(out);
    }

    /** Every dot of a decoded state must lie inside the state's own causal context. */
    static void checkCovered(Collection<Dot> dots, Map<String, Long> context) throws CrdtDecodeException {
        for (Dot d : dots) {
            if (!AbstractReplica.covered(context, d.origin, d.seq)) {
                throw new CrdtDecodeException("dot " + d + " is not covered by the state's version vector");
            }
        }
    }

    /**
     * The join of two dot sets under their causal contexts: a dot survives if both sides have it, or
     * if one side has it and the other has not seen it yet (otherwise the other side removed it).
     */
    static Set<Dot> join(Set<Dot> a, Map<String, Long> ctxA, Set<Dot> b, Map<String, Long> ctxB) {
        Set<Dot> out = new HashSet<>();
        for (Dot d : a) {
            if (b.contains(d) || !AbstractReplica.covered(ctxB, d.origin, d.seq)) {
                out.add(d);
            }
        }
        for (Dot d : b) {
            if (!AbstractReplica.covered(ctxA, d.origin, d.seq)) {
                out.add(d);
            }
        }
        return out;
    }
}

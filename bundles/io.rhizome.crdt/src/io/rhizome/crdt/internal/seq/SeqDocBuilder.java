package io.rhizome.crdt.internal.seq;

/**
 * Builds a {@link SeqDoc} from runs given in document order (a decoded state), appending each at
 * the end without any search. The id index is either kept as runs arrive ({@link #append}) or set
 * afterwards per agent from entries sorted by id ({@link #appendUnindexed} and
 * {@link #indexSorted}), which is linear.
 */
final class SeqDocBuilder {

    private final SeqDoc doc;
    /** Per agent during {@link #append}: the leaf and end of its last appended run. */
    private final SeqLeaf[] lastLeaf;
    private final int[] lastEnd;

    /** Starts on an empty document that already knows all its agents. */
    SeqDocBuilder(SeqDoc doc) {
        this.doc = doc;
        int agents = doc.ids.names.size();
        this.lastLeaf = new SeqLeaf[agents];
        this.lastEnd = new int[agents];
    }

    /** Appends a run at the end of the document and records it in the id index. */
    void append(int agent, int first, int n, boolean deleted, int olA, int olS, int orA, int orS, Object source, int from) {
        SeqLeaf l = appendUnindexed(agent, first, n, deleted, olA, olS, orA, orS, source, from);
        // The agent's previous run ended right here in this leaf: its index entry already covers this one.
        if (lastLeaf[agent] != l || lastEnd[agent] != first) {
            doc.ids.putFirst(agent, first, l);
        }
        lastLeaf[agent] = l;
        lastEnd[agent] = first + n;
    }

    /** {@link #append} without the id index, which the caller sets with {@link #indexSorted}; returns the leaf. */
    SeqLeaf appendUnindexed(int agent, int first, int n, boolean deleted, int olA, int olS, int orA, int orS, Object source,
            int from) {
        SeqDoc doc = this.doc;
        SeqLeaf l = doc.tail;
        if (l.n == SeqLeaf.CAP) {
            SeqLeaf nl = new SeqLeaf(doc.text);
            nl.prev = l;
            l.next = nl;
            nl.order = l.order + (1L << 32);
            doc.tail = nl;
            l = nl;
        }
        int s = l.n++;
        l.setRun(s, agent, first, n, deleted, olA, olS, orA, orS);
        if (!deleted) {
            l.content.insert(l.content.size(), source, from, n);
            l.live += n;
            doc.visible += n;
        }
        int[] next = doc.ids.nextElement;
        next[agent] = Math.max(next[agent], first + n);
        return l;
    }

    /** Sets the id index of a fresh agent from entries sorted by element number, in linear time. */
    void indexSorted(int agent, int[] keys, SeqLeaf[] leaves, int n) {
        doc.ids.putSorted(agent, keys, leaves, n);
    }
}

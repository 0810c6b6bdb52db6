package io.rhizome.crdt.internal.seq;

/**
 * A decoded, checked sequence state as its runs in document order (the columns of
 * {@link SeqStateCodec}), before any document is built from it: a merge reads only the runs it
 * lacks, a state copy builds the document with {@link #toDoc()}.
 */
final class SeqState {

    final boolean text;
    final String[] names;
    final int runs;
    final int[] agent, seq, len, olA, olS, orA, orS;
    final boolean[] del;
    /** The live elements in order: {@code int[]} code points for text, {@code Object[]} values for a list. */
    final Object content;
    /** Per run, where its live elements start in {@link #content}. */
    final int[] contentAt;
    /** The runs sorted by id, {@code agent << 52 | first << 21 | run}; null if too many to pack. */
    final long[] byId;
    static final int RUN_BITS = 21;

    SeqState(boolean text, String[] names, int runs, int[] agent, int[] seq, int[] len, boolean[] del, int[] olA, int[] olS,
            int[] orA, int[] orS, Object content, long[] byId) {
        this.byId = byId;
        this.text = text;
        this.names = names;
        this.runs = runs;
        this.agent = agent;
        this.seq = seq;
        this.len = len;
        this.del = del;
        this.olA = olA;
        this.olS = olS;
        this.orA = orA;
        this.orS = orS;
        this.content = content;
        this.contentAt = new int[runs];
        int at = 0;
        for (int k = 0; k < runs; k++) {
            contentAt[k] = at;
            if (!del[k]) {
                at += len[k];
            }
        }
    }

    SeqDoc toDoc() {
        SeqDoc doc = new SeqDoc(text);
        for (String name : names) {
            doc.ids.agent(name);
        }
        SeqDocBuilder builder = new SeqDocBuilder(doc);
        if (byId == null) {
            for (int k = 0; k < runs; k++) {
                builder.append(agent[k], seq[k], len[k], del[k], olA[k], olS[k], orA[k], orS[k], content, contentAt[k]);
            }
            return doc;
        }
        SeqLeaf[] leafOf = new SeqLeaf[runs];
        for (int k = 0; k < runs; k++) {
            leafOf[k] = builder.appendUnindexed(agent[k], seq[k], len[k], del[k], olA[k], olS[k], orA[k], orS[k], content, contentAt[k]);
        }
        // The id index from the runs in id order, one entry where the leaf changes: built in linear time.
        int mask = (1 << RUN_BITS) - 1;
        int i = 0;
        while (i < runs) {
            int a = agent[(int) (byId[i] & mask)];
            int j = i;
            while (j < runs && agent[(int) (byId[j] & mask)] == a) {
                j++;
            }
            int[] keys = new int[j - i];
            SeqLeaf[] leaves = new SeqLeaf[j - i];
            int n = 0;
            for (int x = i; x < j; x++) {
                int k = (int) (byId[x] & mask);
                if (n == 0 || leaves[n - 1] != leafOf[k]) {
                    keys[n] = seq[k];
                    leaves[n] = leafOf[k];
                    n++;
                }
            }
            builder.indexSorted(a, keys, leaves, n);
            i = j;
        }
        return doc;
    }
}

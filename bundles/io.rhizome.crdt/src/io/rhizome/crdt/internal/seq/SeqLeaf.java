package io.rhizome.crdt.internal.seq;

/**
 * One leaf of a {@link SeqDoc}: up to {@link #CAP} runs (consecutive ids of one agent, inserted left
 * to right, all live or all deleted) in parallel primitive arrays, the content of their live
 * elements, the live count and the order key, and the leaf's neighbours in the document.
 *
 * <p>The operations here touch one leaf only (moving, copying, splitting and joining runs inside
 * it); what spans leaves (splitting a full leaf, order keys, the id index) is {@link SeqDoc}'s.
 */
final class SeqLeaf {

    static final int CAP = 64;

    int n;
    final int[] agent = new int[CAP];
    final int[] seq = new int[CAP];
    final int[] len = new int[CAP];
    final boolean[] del = new boolean[CAP];
    final int[] olA = new int[CAP];
    final int[] olS = new int[CAP];
    final int[] orA = new int[CAP];
    final int[] orS = new int[CAP];
    int live;
    long order;
    SeqLeaf prev;
    SeqLeaf next;
    Content content;

    SeqLeaf(boolean text) {
        content = Content.create(text);
    }

    /** The live elements of the runs before run {@code r}. */
    int liveBefore(int r) {
        int s = 0;
        for (int i = 0; i < r; i++) {
            if (!del[i]) {
                s += len[i];
            }
        }
        return s;
    }

    /** The run holding the element {@code (agent, element)}, or -1 if it is not in this leaf. */
    int runOf(int agent, int element) {
        for (int r = 0; r < n; r++) {
            if (this.agent[r] == agent && element >= seq[r] && element < seq[r] + len[r]) {
                return r;
            }
        }
        return -1;
    }

    /** Sets every field of run {@code s} (not the content). */
    void setRun(int s, int agent, int first, int n, boolean deleted, int olA, int olS, int orA, int orS) {
        this.agent[s] = agent;
        this.seq[s] = first;
        this.len[s] = n;
        this.del[s] = deleted;
        this.olA[s] = olA;
        this.olS[s] = olS;
        this.orA[s] = orA;
        this.orS[s] = orS;
    }

    void copyRun(int from, SeqLeaf to, int at) {
        to.agent[at] = agent[from];
        to.seq[at] = seq[from];
        to.len[at] = len[from];
        to.del[at] = del[from];
        to.olA[at] = olA[from];
        to.olS[at] = olS[from];
        to.orA[at] = orA[from];
        to.orS[at] = orS[from];
    }

    /** Moves the runs from index {@code from} on by {@code by} places (the caller adjusts {@link #n}). */
    void shift(int from, int by) {
        int count = n - from;
        System.arraycopy(agent, from, agent, from + by, count);
        System.arraycopy(seq, from, seq, from + by, count);
        System.arraycopy(len, from, len, from + by, count);
        System.arraycopy(del, from, del, from + by, count);
        System.arraycopy(olA, from, olA, from + by, count);
        System.arraycopy(olS, from, olS, from + by, count);
        System.arraycopy(orA, from, orA, from + by, count);
        System.arraycopy(orS, from, orS, from + by, count);
    }

    /**
     * Moves the runs from index {@code keep} on, with their content, into the empty leaf
     * {@code right} (which the caller links in after this one).
     */
    void moveTail(int keep, SeqLeaf right) {
        int liveKept = liveBefore(keep);
        for (int i = keep; i < n; i++) {
            copyRun(i, right, i - keep);
        }
        right.n = n - keep;
        n = keep;
        right.content = content.splitOff(liveKept);
        right.live = live - liveKept;
        live = liveKept;
    }

    /**
     * Splits run {@code r} at offset {@code k}; the second part becomes run {@code r+1}. The leaf
     * must have room for one more run.
     */
    void splitRunAt(int r, int k) {
        shift(r + 1, 1);
        n++;
        int s = r + 1;
        copyRun(r, this, s);
        seq[s] += k;
        len[s] -= k;
        olA[s] = agent[r];
        olS[s] = seq[s] - 1;
        len[r] = k;
    }

    /** Whether run {@code r+1} continues run {@code r} (same agent, next ids, typed left to right). */
    boolean continues(int r) {
        int s = r + 1;
        return agent[s] == agent[r] && seq[s] == seq[r] + len[r] && del[s] == del[r]
                && olA[s] == agent[r] && olS[s] == seq[s] - 1
                && orA[s] == orA[r] && orS[s] == orS[r];
    }

    /** Joins run {@code r+1} into run {@code r} when it continues it (keeps tombstones compact). */
    void tryJoin(int r) {
        if (r < 0 || r + 1 >= n || !continues(r)) {
            return;
        }
        len[r] += len[r + 1];
        shift(r + 2, -1);
        n--;
    }
}

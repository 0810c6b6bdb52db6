package io.rhizome.crdt.internal.seq;

import java.util.ArrayList;
import java.util.List;

/**
 * The replicated sequence behind {@code list} and {@code text}: every element has an id
 * {@code (agent, n)} (n counts the agent's inserted elements from 0) and is placed by the FugueMax
 * rule (an element remembers its left and right neighbours at insertion time; concurrent inserts
 * between the same neighbours are ordered by agent, and runs typed by one agent are never
 * interleaved with another's).
 *
 * <p><b>Storage.</b> Elements are stored as runs (consecutive ids of one agent, inserted left to
 * right, all live or all deleted), packed into parallel primitive arrays of a doubly linked list of
 * leaves ({@link SeqLeaf}) of at most {@link #CAP} runs. Each leaf keeps its live count (position
 * lookup skips whole leaves; a cursor remembers the last leaf used, so local edits near each other
 * cost O(1) leaves) and an order key (to compare positions of two elements in O(1)). Per agent, a
 * sorted map from id to leaf ({@link SeqIds}) finds an element by id. Deleted elements keep only
 * their ids; their content is dropped.
 *
 * <p>This class holds the leaves and what changes their shape (splitting leaves and runs, placing
 * and deleting runs), the lookups by position and by id, and the local edits. Remote edits are
 * {@link SeqIntegration}'s, building from a decoded state {@link SeqDocBuilder}'s.
 *
 * <p>Positions used by the integration code are element addresses {@code (leaf, run, offset)},
 * which the lookups return in {@link #atLeaf}/{@link #atRun}/{@link #atOff} without allocating.
 * Agents are numbered locally (index into {@link SeqIds#names}); ids on the wire use agent names.
 *
 * <p>Not thread-safe.
 */
final class SeqDoc {

    static final int CAP = SeqLeaf.CAP;
    static final int NONE = -1;

    final boolean text;
    /** The agents and where their elements live. */
    final SeqIds ids = new SeqIds();
    private final SeqIntegration remote = new SeqIntegration(this);

    // ---- leaves ----
    SeqLeaf head;
    SeqLeaf tail;
    int visible;

    // ---- cursor for visible-index lookups ----
    private SeqLeaf cursorLeaf;
    private int cursorStart;

    // ---- results of locate()/find() without allocation ----
    SeqLeaf atLeaf;
    int atRun;
    int atOff;

    /** The leaf of the last {@link #find}: remote edits mostly refer to what was just edited. */
    private SeqLeaf lastFound;

    SeqDoc(boolean text) {
        this.text = text;
        head = tail = new SeqLeaf(text);
        head.order = 0;
        cursorLeaf = head;
    }

    // =============================================================================================
    // finding elements by id (the agents and the id index are SeqIds')
    // =============================================================================================

    String agentName(int a) {
        return ids.names.get(a);
    }

    /** Sets {@link #atLeaf}/{@link #atRun}/{@link #atOff} to the element {@code (agent, element)}, which must exist. */
    void find(int agent, int element) {
        if (lastFound != null && at(lastFound, agent, element)) {
            return;
        }
        SeqLeaf leaf = ids.leafOf(agent, element);
        if (at(leaf, agent, element)) {
            lastFound = leaf;
            return;
        }
        throw new IllegalStateException("id index out of date for " + ids.names.get(agent) + ":" + element);
    }

    private boolean at(SeqLeaf leaf, int agent, int element) {
        int r = leaf.runOf(agent, element);
        if (r < 0) {
            return false;
        }
        atLeaf = leaf;
        atRun = r;
        atOff = element - leaf.seq[r];
        return true;
    }

    // =============================================================================================
    // leaves: splitting, ordering, room for runs
    // =============================================================================================

    private void relabelAll() {
        long o = 0;
        for (SeqLeaf l = head; l != null; l = l.next) {
            l.order = o;
            o += 1L << 32;
        }
    }

    /** Splits a full leaf in two; returns the new (second) leaf. */
    private SeqLeaf splitLeaf(SeqLeaf leaf) {
        SeqLeaf right = new SeqLeaf(text);
        leaf.moveTail(leaf.n / 2, right);
        right.prev = leaf;
        right.next = leaf.next;
        if (leaf.next != null) {
            leaf.next.prev = right;
        } else {
            tail = right;
        }
        leaf.next = right;
        long hi = right.next == null ? leaf.order + (2L << 32) : right.next.order;
        if (hi - leaf.order < 2) {
            relabelAll();
        } else {
            right.order = leaf.order + (hi - leaf.order) / 2;
        }
        for (int i = 0; i < right.n; i++) {
            ids.put(right.agent[i], right.seq[i], right.seq[i] + right.len[i], right);
        }
        return right;
    }

    /**
     * Opens a slot for a run at index {@code r} of {@code leaf}, splitting the leaf if it is full;
     * the slot's address is left in {@link #atLeaf}/{@link #atRun}.
     */
    private void openSlot(SeqLeaf leaf, int r) {
        if (leaf.n == CAP) {
            SeqLeaf right = splitLeaf(leaf);
            if (r > leaf.n) {
                r -= leaf.n;
                leaf = right;
            }
        }
        leaf.shift(r, 1);
        leaf.n++;
        atLeaf = leaf;
        atRun = r;
    }

    /**
     * Splits run {@code r} of {@code leaf} at offset {@code k}; the second part becomes the next run in
     * the same leaf. The leaf is split first if full, so the run may move: its address afterwards is
     * left in {@link #atLeaf}/{@link #atRun}.
     */
    void splitRun(SeqLeaf leaf, int r, int k) {
        if (leaf.n == CAP) {
            SeqLeaf right = splitLeaf(leaf);
            if (r >= leaf.n) {
                r -= leaf.n;
                leaf = right;
            }
        }
        leaf.splitRunAt(r, k);
        atLeaf = leaf;
        atRun = r;
    }

    // =============================================================================================
    // visible positions
    // =============================================================================================

    /** Sets {@link #atLeaf}/{@link #atRun}/{@link #atOff} to the visible element {@code i} ({@code 0 <= i < visible}). */
    void locate(int i) {
        SeqLeaf leaf = cursorLeaf;
        int start = cursorStart;
        while (i < start) {
            leaf = leaf.prev;
            start -= leaf.live;
        }
        while (i >= start + leaf.live) {
            start += leaf.live;
            leaf = leaf.next;
        }
        cursorLeaf = leaf;
        cursorStart = start;
        int rem = i - start;
        for (int r = 0; r < leaf.n; r++) {
            if (!leaf.del[r]) {
                if (rem < leaf.len[r]) {
                    atLeaf = leaf;
                    atRun = r;
                    atOff = rem;
                    return;
                }
                rem -= leaf.len[r];
            }
        }
        throw new IllegalStateException("leaf live count out of date");
    }

    /** Forgets the cursor (after edits that may change live counts before it). */
    void resetCursor() {
        cursorLeaf = head;
        cursorStart = 0;
    }

    // =============================================================================================
    // local edits
    // =============================================================================================

    /** The id of a local insert's neighbours, filled by {@link #insertLocal}. */
    int opLeftAgent, opLeftSeq, opRightAgent, opRightSeq, opFirst;

    /**
     * Inserts {@code n} elements at visible index {@code i} as agent {@code me}, and fills the op* fields
     * with what the operation must carry.
     */
    void insertLocal(int me, int i, Object source, int n) {
        int first = ids.nextElement[me];
        opFirst = first;
        SeqLeaf leaf;
        int r;
        if (i == 0) {
            opLeftAgent = NONE;
            opLeftSeq = 0;
            leaf = head;
            r = -1; // insert before run 0
            if (leaf.n == 0) {
                opRightAgent = NONE;
                opRightSeq = 0;
            } else {
                opRightAgent = leaf.agent[0];
                opRightSeq = leaf.seq[0];
            }
        } else {
            locate(i - 1);
            leaf = atLeaf;
            r = atRun;
            int off = atOff;
            opLeftAgent = leaf.agent[r];
            opLeftSeq = leaf.seq[r] + off;
            if (off + 1 < leaf.len[r]) {
                opRightAgent = leaf.agent[r];
                opRightSeq = leaf.seq[r] + off + 1;
                splitRun(leaf, r, off + 1);
                leaf = atLeaf;
                r = atRun;
            } else {
                SeqLeaf nl = r + 1 < leaf.n ? leaf : leaf.next;
                int nr = r + 1 < leaf.n ? r + 1 : 0;
                if (nl == null) {
                    opRightAgent = NONE;
                    opRightSeq = 0;
                } else {
                    opRightAgent = nl.agent[nr];
                    opRightSeq = nl.seq[nr];
                }
                // Typing on: extend our own last run instead of adding one.
                if (leaf.agent[r] == me && leaf.seq[r] + leaf.len[r] == first && !leaf.del[r]
                        && leaf.orA[r] == opRightAgent && leaf.orS[r] == opRightSeq) {
                    int at = leaf.liveBefore(r) + leaf.len[r];
                    leaf.content.insert(at, source, 0, n);
                    leaf.len[r] += n;
                    leaf.live += n;
                    visible += n;
                    ids.nextElement[me] = first + n;
                    return;
                }
            }
        }
        placeRun(leaf, r + 1, me, first, n, opLeftAgent, opLeftSeq, opRightAgent, opRightSeq, source, 0, false);
        if (i == 0) {
            resetCursor(); // the live count of a leaf before the cursor changed
        }
    }

    /** Puts a new live run at run index {@code r} of {@code leaf} and its content after the live runs before it. */
    void placeRun(SeqLeaf leaf, int r, int agent, int first, int n, int olA, int olS, int orA, int orS,
            Object source, int from, boolean deleted) {
        openSlot(leaf, r);
        SeqLeaf l = atLeaf;
        int s = atRun;
        l.setRun(s, agent, first, n, deleted, olA, olS, orA, orS);
        if (!deleted) {
            l.content.insert(l.liveBefore(s), source, from, n);
            l.live += n;
            visible += n;
        }
        ids.nextElement[agent] = first + n;
        ids.put(agent, first, first + n, l);
    }

    /** Collects the id ranges a delete removes. */
    interface RangeSink {
        void range(int agent, int first, int count);
    }

    /** Deletes visible elements {@code [i, i+n)}, reporting each deleted id range. */
    void deleteLocal(int i, int n, RangeSink sink) {
        int left = n;
        while (left > 0) {
            locate(i);
            SeqLeaf leaf = atLeaf;
            int r = atRun;
            int k = Math.min(left, leaf.len[r] - atOff);
            sink.range(leaf.agent[r], leaf.seq[r] + atOff, k);
            markDeleted(leaf, r, atOff, k);
            left -= k;
        }
    }

    /** Marks {@code k} elements of live run {@code r} from offset {@code off} deleted and drops their content. */
    void markDeleted(SeqLeaf leaf, int r, int off, int k) {
        if (off > 0) {
            splitRun(leaf, r, off);
            leaf = atLeaf;
            r = atRun + 1;
        }
        if (k < leaf.len[r]) {
            splitRun(leaf, r, k);
            leaf = atLeaf;
            r = atRun;
        }
        leaf.del[r] = true;
        leaf.content.remove(leaf.liveBefore(r), k);
        leaf.live -= k;
        visible -= k;
        leaf.tryJoin(r);
        leaf.tryJoin(r - 1);
    }

    // =============================================================================================
    // remote edits (see SeqIntegration)
    // =============================================================================================

    /**
     * Integrates a run of {@code n} elements created by {@code agent} (numbers from {@code first})
     * between the elements {@code left} and {@code right} (agent {@link #NONE} for the document ends),
     * which must exist, as must every earlier element of {@code agent}.
     */
    void integrate(int agent, int first, int n, int olA, int olS, int orA, int orS, Object source, int from, boolean deleted) {
        remote.integrate(agent, first, n, olA, olS, orA, orS, source, from, deleted);
    }

    /** Marks the elements {@code [first, first+count)} of {@code agent} deleted (they must exist). */
    void deleteIds(int agent, int first, int count) {
        remote.deleteIds(agent, first, count);
    }

    // =============================================================================================
    // the runs in document order (building from runs is SeqDocBuilder's, writing them SeqStateEncoder's)
    // =============================================================================================

    int runCount() {
        int n = 0;
        for (SeqLeaf l = head; l != null; l = l.next) {
            n += l.n;
        }
        return n;
    }

    /** The live elements, in order, as a list of leaf contents (for value()). */
    List<Content> contents() {
        List<Content> out = new ArrayList<>();
        for (SeqLeaf l = head; l != null; l = l.next) {
            out.add(l.content);
        }
        return out;
    }
}

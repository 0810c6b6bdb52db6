package io.rhizome.crdt.internal.seq;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The replicated sequence behind {@code list} and {@code text}: every element has an id
 * {@code (agent, n)} (n counts the agent's inserted elements from 0) and is placed by the FugueMax
 * rule (an element remembers its left and right neighbours at insertion time; concurrent inserts
 * between the same neighbours are ordered by agent, and runs typed by one agent are never
 * interleaved with another's).
 *
 * <p><b>Storage.</b> Elements are stored as runs (consecutive ids of one agent, inserted left to
 * right, all live or all deleted), packed into parallel primitive arrays of a doubly linked list of
 * leaves of at most {@link #CAP} runs. Each leaf keeps its live count (position lookup skips whole
 * leaves; a cursor remembers the last leaf used, so local edits near each other cost O(1) leaves)
 * and an order key (to compare positions of two elements in O(1)). Per agent, a sorted map from id
 * to leaf finds an element by id. Deleted elements keep only their ids; their content is dropped.
 *
 * <p>Positions used by the integration code are element addresses {@code (leaf, run, offset)}.
 * Agents are numbered locally (index into {@link #names}); ids on the wire use agent names.
 *
 * <p>Not thread-safe.
 */
final class SeqDoc {

    static final int CAP = 64;
    static final int NONE = -1;

    final boolean text;

    // ---- agents ----
    final ArrayList<String> names = new ArrayList<>();
    private final HashMap<String, Integer> agentIds = new HashMap<>();
    /** Per agent: how many elements it has inserted (the next element number). */
    int[] nextElement = new int[4];
    /** Per agent: element number -> leaf, keyed by the first element of each range in one leaf. */
    private final ArrayList<TreeMap<Integer, Leaf>> index = new ArrayList<>();

    // ---- leaves ----
    Leaf head;
    private Leaf tail;
    int visible;

    // ---- cursor for visible-index lookups ----
    private Leaf cursorLeaf;
    private int cursorStart;

    // ---- results of locate()/find() without allocation ----
    Leaf atLeaf;
    int atRun;
    int atOff;

    SeqDoc(boolean text) {
        this.text = text;
        head = tail = new Leaf(text);
        head.order = 0;
        cursorLeaf = head;
    }

    static final class Leaf {
        int n;
        int[] agent = new int[CAP];
        int[] seq = new int[CAP];
        int[] len = new int[CAP];
        boolean[] del = new boolean[CAP];
        int[] olA = new int[CAP];
        int[] olS = new int[CAP];
        int[] orA = new int[CAP];
        int[] orS = new int[CAP];
        int live;
        long order;
        Leaf prev;
        Leaf next;
        Content content;

        Leaf(boolean text) {
            content = Content.create(text);
        }

        int liveBefore(int r) {
            int s = 0;
            for (int i = 0; i < r; i++) {
                if (!del[i]) {
                    s += len[i];
                }
            }
            return s;
        }

        void copyRun(int from, Leaf to, int at) {
            to.agent[at] = agent[from];
            to.seq[at] = seq[from];
            to.len[at] = len[from];
            to.del[at] = del[from];
            to.olA[at] = olA[from];
            to.olS[at] = olS[from];
            to.orA[at] = orA[from];
            to.orS[at] = orS[from];
        }

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
    }

    // =============================================================================================
    // agents and the id index
    // =============================================================================================

    int agent(String name) {
        Integer id = agentIds.get(name);
        if (id != null) {
            return id;
        }
        int a = names.size();
        names.add(name);
        agentIds.put(name, a);
        index.add(new TreeMap<>());
        if (a >= nextElement.length) {
            nextElement = Arrays.copyOf(nextElement, a * 2);
        }
        return a;
    }

    /** The local number of an agent, or {@link #NONE} if it has inserted nothing here. */
    int agentIfKnown(String name) {
        Integer id = agentIds.get(name);
        return id == null ? NONE : id;
    }

    boolean contains(int agent, int element) {
        return agent >= 0 && agent < names.size() && element >= 0 && element < nextElement[agent];
    }

    /** Records that the elements {@code [from, to)} of {@code agent} now live in {@code leaf}. */
    private void indexPut(int agent, int from, int to, Leaf leaf) {
        TreeMap<Integer, Leaf> m = index.get(agent);
        Map.Entry<Integer, Leaf> floor = m.floorEntry(from);
        if (floor != null && floor.getValue() == leaf) {
            Integer higher = m.higherKey(from);
            if (higher == null || higher >= to) {
                return; // already mapped
            }
        }
        Leaf after = null;
        if (to < nextElement[agent] && !m.containsKey(to)) {
            Map.Entry<Integer, Leaf> f = m.floorEntry(to);
            after = f == null ? null : f.getValue();
        }
        m.subMap(from, true, to, false).clear();
        m.put(from, leaf);
        if (after != null) {
            m.put(to, after);
        }
    }

    /** Sets {@link #atLeaf}/{@link #atRun}/{@link #atOff} to the element {@code (agent, element)}, which must exist. */
    void find(int agent, int element) {
        // Remote edits mostly refer to what was just edited: try the last leaf found first.
        if (lastFound != null && scan(lastFound, agent, element)) {
            return;
        }
        Leaf leaf = index.get(agent).floorEntry(element).getValue();
        if (scan(leaf, agent, element)) {
            lastFound = leaf;
            return;
        }
        throw new IllegalStateException("id index out of date for " + names.get(agent) + ":" + element);
    }

    private Leaf lastFound;

    private boolean scan(Leaf leaf, int agent, int element) {
        for (int r = 0; r < leaf.n; r++) {
            if (leaf.agent[r] == agent && element >= leaf.seq[r] && element < leaf.seq[r] + leaf.len[r]) {
                atLeaf = leaf;
                atRun = r;
                atOff = element - leaf.seq[r];
                return true;
            }
        }
        return false;
    }

    // =============================================================================================
    // leaves: splitting, ordering, room for runs
    // =============================================================================================

    private void relabelAll() {
        long o = 0;
        for (Leaf l = head; l != null; l = l.next) {
            l.order = o;
            o += 1L << 32;
        }
    }

    /** Splits a full leaf in two; returns the new (second) leaf. */
    private Leaf splitLeaf(Leaf leaf) {
        Leaf right = new Leaf(text);
        int keep = leaf.n / 2;
        int liveKept = leaf.liveBefore(keep);
        for (int i = keep; i < leaf.n; i++) {
            leaf.copyRun(i, right, i - keep);
        }
        right.n = leaf.n - keep;
        leaf.n = keep;
        right.content = leaf.content.splitOff(liveKept);
        right.live = leaf.live - liveKept;
        leaf.live = liveKept;
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
            indexPut(right.agent[i], right.seq[i], right.seq[i] + right.len[i], right);
        }
        return right;
    }

    /**
     * Opens a slot for a run at index {@code r} of {@code leaf}, splitting the leaf if it is full;
     * the slot's address is left in {@link #atLeaf}/{@link #atRun}.
     */
    private void openSlot(Leaf leaf, int r) {
        if (leaf.n == CAP) {
            Leaf right = splitLeaf(leaf);
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
    private void splitRun(Leaf leaf, int r, int k) {
        if (leaf.n == CAP) {
            Leaf right = splitLeaf(leaf);
            if (r >= leaf.n) {
                r -= leaf.n;
                leaf = right;
            }
        }
        leaf.shift(r + 1, 1);
        leaf.n++;
        int s = r + 1;
        leaf.copyRun(r, leaf, s);
        leaf.seq[s] += k;
        leaf.len[s] -= k;
        leaf.olA[s] = leaf.agent[r];
        leaf.olS[s] = leaf.seq[s] - 1;
        leaf.len[r] = k;
        atLeaf = leaf;
        atRun = r;
    }

    /** Whether run {@code r+1} continues run {@code r} (same agent, next ids, typed left to right). */
    private static boolean continues(Leaf l, int r) {
        int s = r + 1;
        return l.agent[s] == l.agent[r] && l.seq[s] == l.seq[r] + l.len[r] && l.del[s] == l.del[r]
                && l.olA[s] == l.agent[r] && l.olS[s] == l.seq[s] - 1
                && l.orA[s] == l.orA[r] && l.orS[s] == l.orS[r];
    }

    /** Joins run {@code r+1} into run {@code r} when it continues it (keeps tombstones compact). */
    private void tryJoin(Leaf l, int r) {
        if (r < 0 || r + 1 >= l.n || !continues(l, r)) {
            return;
        }
        l.len[r] += l.len[r + 1];
        l.shift(r + 2, -1);
        l.n--;
    }

    // =============================================================================================
    // visible positions
    // =============================================================================================

    /** Sets {@link #atLeaf}/{@link #atRun}/{@link #atOff} to the visible element {@code i} ({@code 0 <= i < visible}). */
    void locate(int i) {
        Leaf leaf = cursorLeaf;
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
        int first = nextElement[me];
        opFirst = first;
        Leaf leaf;
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
                Leaf nl = r + 1 < leaf.n ? leaf : leaf.next;
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
                    nextElement[me] = first + n;
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
    private void placeRun(Leaf leaf, int r, int agent, int first, int n, int olA, int olS, int orA, int orS,
            Object source, int from, boolean deleted) {
        openSlot(leaf, r);
        Leaf l = atLeaf;
        int s = atRun;
        l.agent[s] = agent;
        l.seq[s] = first;
        l.len[s] = n;
        l.del[s] = deleted;
        l.olA[s] = olA;
        l.olS[s] = olS;
        l.orA[s] = orA;
        l.orS[s] = orS;
        if (!deleted) {
            l.content.insert(l.liveBefore(s), source, from, n);
            l.live += n;
            visible += n;
        }
        nextElement[agent] = first + n;
        indexPut(agent, first, first + n, l);
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
            Leaf leaf = atLeaf;
            int r = atRun;
            int k = Math.min(left, leaf.len[r] - atOff);
            sink.range(leaf.agent[r], leaf.seq[r] + atOff, k);
            markDeleted(leaf, r, atOff, k);
            left -= k;
        }
    }

    /** Marks {@code k} elements of live run {@code r} from offset {@code off} deleted and drops their content. */
    private void markDeleted(Leaf leaf, int r, int off, int k) {
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
        tryJoin(leaf, r);
        tryJoin(leaf, r - 1);
    }

    // =============================================================================================
    // remote edits
    // =============================================================================================

    /** Compares element positions; START (leaf null, run -1) and END (leaf null, run 1). */
    private static int compare(Leaf la, int ra, int oa, Leaf lb, int rb, int ob) {
        if (la == null || lb == null) {
            int ka = la == null ? ra : 0;
            int kb = lb == null ? rb : 0;
            return Integer.compare(ka, kb);
        }
        if (la != lb) {
            return Long.compare(la.order, lb.order);
        }
        if (ra != rb) {
            return Integer.compare(ra, rb);
        }
        return Integer.compare(oa, ob);
    }

    /**
     * Integrates a run of {@code n} elements created by {@code agent} (numbers from {@code first})
     * between the elements {@code left} and {@code right} (agent {@link #NONE} for the document ends),
     * which must exist, as must every earlier element of {@code agent}.
     */
    void integrate(int agent, int first, int n, int olA, int olS, int orA, int orS, Object source, int from, boolean deleted) {
        resetCursor();
        // left position
        Leaf lL = null;
        int lR = -1, lO = 0;
        if (olA != NONE) {
            find(olA, olS);
            lL = atLeaf;
            lR = atRun;
            lO = atOff;
        }
        Leaf rL = null;
        int rR = 1, rO = 0;
        if (orA != NONE) {
            find(orA, orS);
            rL = atLeaf;
            rR = atRun;
            rO = atOff;
        }
        // the element after left
        Leaf iL;
        int iR, iO;
        if (lL == null) {
            iL = head.n == 0 ? null : head;
            iR = iL == null ? 1 : 0;
            iO = 0;
        } else if (lO + 1 < lL.len[lR]) {
            iL = lL;
            iR = lR;
            iO = lO + 1;
        } else if (lR + 1 < lL.n) {
            iL = lL;
            iR = lR + 1;
            iO = 0;
        } else if (lL.next != null) {
            iL = lL.next;
            iR = 0;
            iO = 0;
        } else {
            iL = null;
            iR = 1;
            iO = 0;
        }
        Leaf dL = iL;
        int dR = iR, dO = iO;
        boolean scanning = false;
        String me = names.get(agent);
        while (true) {
            if (!scanning) {
                dL = iL;
                dR = iR;
                dO = iO;
            }
            if (iL == null) {
                break; // end of the document
            }
            if (iL == rL && iR == rR && iO == rO) {
                break; // reached the right neighbour
            }
            // origins of the element at i
            int oLA, oLS;
            if (iO == 0) {
                oLA = iL.olA[iR];
                oLS = iL.olS[iR];
            } else {
                oLA = iL.agent[iR];
                oLS = iL.seq[iR] + iO - 1;
            }
            int oRA = iL.orA[iR], oRS = iL.orS[iR];
            Leaf xL = null;
            int xR = -1, xO = 0;
            if (oLA != NONE) {
                find(oLA, oLS);
                xL = atLeaf;
                xR = atRun;
                xO = atOff;
            }
            int cl = compare(xL, xR, xO, lL, lR, lO);
            if (cl < 0) {
                break;
            }
            if (cl == 0) {
                Leaf yL = null;
                int yR = 1, yO = 0;
                if (oRA != NONE) {
                    find(oRA, oRS);
                    yL = atLeaf;
                    yR = atRun;
                    yO = atOff;
                }
                int cr = compare(yL, yR, yO, rL, rR, rO);
                if (cr < 0) {
                    scanning = true;
                } else if (cr == 0) {
                    if (me.compareTo(names.get(iL.agent[iR])) < 0) {
                        break;
                    }
                    scanning = false;
                } else {
                    scanning = false;
                }
            }
            // The rest of this run has its left origin inside the run, after left: skipped alike,
            // except that the right neighbour may lie inside it.
            if (rL == iL && rR == iR && rO > iO) {
                iO = rO;
                continue;
            }
            if (iR + 1 < iL.n) {
                iR++;
            } else {
                iL = iL.next;
                iR = iL == null ? 1 : 0;
            }
            iO = 0;
        }
        // insert before the element at d (or at the end)
        Leaf leaf;
        int r;
        if (dL == null) {
            leaf = tail;
            r = tail.n;
        } else if (dO > 0) {
            splitRun(dL, dR, dO);
            leaf = atLeaf;
            r = atRun + 1;
        } else {
            leaf = dL;
            r = dR;
        }
        // continue the previous run in place when the agent is typing on
        if (r > 0 && olA == agent && leaf.agent[r - 1] == agent && leaf.seq[r - 1] + leaf.len[r - 1] == first
                && olS == first - 1 && leaf.del[r - 1] == deleted && leaf.orA[r - 1] == orA && leaf.orS[r - 1] == orS) {
            if (!deleted) {
                leaf.content.insert(leaf.liveBefore(r), source, from, n);
                leaf.live += n;
                visible += n;
            }
            leaf.len[r - 1] += n;
            nextElement[agent] = first + n;
            return; // the index entry of run r-1 already covers the new elements (nothing else can sit between)
        }
        placeRun(leaf, r, agent, first, n, olA, olS, orA, orS, source, from, deleted);
    }

    /** Marks the elements {@code [first, first+count)} of {@code agent} deleted (they must exist). */
    void deleteIds(int agent, int first, int count) {
        resetCursor();
        int e = first;
        int end = first + count;
        while (e < end) {
            find(agent, e);
            Leaf leaf = atLeaf;
            int r = atRun;
            int k = Math.min(end - e, leaf.len[r] - atOff);
            if (!leaf.del[r]) {
                markDeleted(leaf, r, atOff, k);
            }
            e += k;
        }
    }

    // =============================================================================================
    // bulk building (decoded states)
    // =============================================================================================

    /** Appends a run at the end of the document (decoding a state, which lists runs in order). */
    void appendRun(int agent, int first, int n, boolean deleted, int olA, int olS, int orA, int orS, Object source, int from) {
        Leaf l = appendRunUnindexed(agent, first, n, deleted, olA, olS, orA, orS, source, from);
        if (appendLeaf == null) {
            appendLeaf = new Leaf[names.size()];
            appendEnd = new int[names.size()];
        }
        // The agent's previous run ended right here in this leaf: its index entry already covers this one.
        if (appendLeaf[agent] != l || appendEnd[agent] != first) {
            index.get(agent).put(first, l);
        }
        appendLeaf[agent] = l;
        appendEnd[agent] = first + n;
    }

    /** {@link #appendRun} without the id index, which the caller builds with {@link #indexSorted}; returns the leaf. */
    Leaf appendRunUnindexed(int agent, int first, int n, boolean deleted, int olA, int olS, int orA, int orS, Object source, int from) {
        Leaf l = tail;
        if (l.n == CAP) {
            Leaf nl = new Leaf(text);
            nl.prev = l;
            l.next = nl;
            nl.order = l.order + (1L << 32);
            tail = nl;
            l = nl;
        }
        int s = l.n++;
        l.agent[s] = agent;
        l.seq[s] = first;
        l.len[s] = n;
        l.del[s] = deleted;
        l.olA[s] = olA;
        l.olS[s] = olS;
        l.orA[s] = orA;
        l.orS[s] = orS;
        if (!deleted) {
            l.content.insert(l.content.size(), source, from, n);
            l.live += n;
            visible += n;
        }
        nextElement[agent] = Math.max(nextElement[agent], first + n);
        return l;
    }

    /** Sets the id index of a fresh agent from entries sorted by element number, in linear time. */
    void indexSorted(int agent, int[] keys, Leaf[] leaves, int n) {
        index.get(agent).putAll(new SortedEntries<>(keys, leaves, n));
    }

    /** Per agent during {@link #appendRun}: the leaf and end of its last appended run. */
    private Leaf[] appendLeaf;
    private int[] appendEnd;

    /** Ends a bulk build by {@link #appendRun}. */
    void appendDone() {
        appendLeaf = null;
        appendEnd = null;
    }

    /** Visits every run in document order. */
    interface RunVisitor {
        void run(int agent, int first, int n, boolean deleted, int olA, int olS, int orA, int orS, Content content, int contentAt);
    }

    void forEachRun(RunVisitor v) {
        for (Leaf l = head; l != null; l = l.next) {
            int c = 0;
            for (int r = 0; r < l.n; r++) {
                v.run(l.agent[r], l.seq[r], l.len[r], l.del[r], l.olA[r], l.olS[r], l.orA[r], l.orS[r], l.content, c);
                if (!l.del[r]) {
                    c += l.len[r];
                }
            }
        }
    }

    int runCount() {
        int n = 0;
        for (Leaf l = head; l != null; l = l.next) {
            n += l.n;
        }
        return n;
    }

    /** The live elements, in order, as a list of leaf contents (for value()). */
    List<Content> contents() {
        List<Content> out = new ArrayList<>();
        for (Leaf l = head; l != null; l = l.next) {
            out.add(l.content);
        }
        return out;
    }

    String agentName(int a) {
        return names.get(a);
    }
}

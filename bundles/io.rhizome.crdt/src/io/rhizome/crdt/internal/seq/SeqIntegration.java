package io.rhizome.crdt.internal.seq;

/**
 * Remote edits of a {@link SeqDoc}: places a run received from another replica by the FugueMax
 * rule, and deletes elements by id.
 *
 * <p>A run carries the ids of its left and right neighbours at insertion time. It is placed after
 * its left neighbour, past the elements inserted concurrently at the same place that sort before
 * it: the scan from the left neighbour ends at the right neighbour or at an element whose left
 * origin lies before ours; among elements with the same left origin, one whose right origin lies
 * before ours leaves the place open while the scan goes on, and one with the same right origin is
 * ordered by agent name.
 *
 * <p>Positions compared here are element addresses {@code (leaf, run, offset)}, with the document
 * ends as {@code (null, -1, 0)} (START) and {@code (null, 1, 0)} (END); leaves are ordered by their
 * order key, so a comparison costs O(1). Not thread-safe.
 */
final class SeqIntegration {

    private static final int NONE = SeqDoc.NONE;

    private final SeqDoc doc;

    SeqIntegration(SeqDoc doc) {
        this.doc = doc;
    }

    /** Compares element positions; START (leaf null, run -1) and END (leaf null, run 1). */
    private static int compare(SeqLeaf la, int ra, int oa, SeqLeaf lb, int rb, int ob) {
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

    /** See {@link SeqDoc#integrate}. */
    void integrate(int agent, int first, int n, int olA, int olS, int orA, int orS, Object source, int from, boolean deleted) {
        SeqDoc doc = this.doc;
        doc.resetCursor();
        // left position
        SeqLeaf lL = null;
        int lR = -1, lO = 0;
        if (olA != NONE) {
            doc.find(olA, olS);
            lL = doc.atLeaf;
            lR = doc.atRun;
            lO = doc.atOff;
        }
        SeqLeaf rL = null;
        int rR = 1, rO = 0;
        if (orA != NONE) {
            doc.find(orA, orS);
            rL = doc.atLeaf;
            rR = doc.atRun;
            rO = doc.atOff;
        }
        // the element after left
        SeqLeaf iL;
        int iR, iO;
        if (lL == null) {
            iL = doc.head.n == 0 ? null : doc.head;
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
        SeqLeaf dL = iL;
        int dR = iR, dO = iO;
        boolean scanning = false;
        String me = doc.ids.names.get(agent);
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
            SeqLeaf xL = null;
            int xR = -1, xO = 0;
            if (oLA != NONE) {
                doc.find(oLA, oLS);
                xL = doc.atLeaf;
                xR = doc.atRun;
                xO = doc.atOff;
            }
            int cl = compare(xL, xR, xO, lL, lR, lO);
            if (cl < 0) {
                break;
            }
            if (cl == 0) {
                SeqLeaf yL = null;
                int yR = 1, yO = 0;
                if (oRA != NONE) {
                    doc.find(oRA, oRS);
                    yL = doc.atLeaf;
                    yR = doc.atRun;
                    yO = doc.atOff;
                }
                int cr = compare(yL, yR, yO, rL, rR, rO);
                if (cr < 0) {
                    scanning = true;
                } else if (cr == 0) {
                    if (me.compareTo(doc.ids.names.get(iL.agent[iR])) < 0) {
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
        SeqLeaf leaf;
        int r;
        if (dL == null) {
            leaf = doc.tail;
            r = leaf.n;
        } else if (dO > 0) {
            doc.splitRun(dL, dR, dO);
            leaf = doc.atLeaf;
            r = doc.atRun + 1;
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
                doc.visible += n;
            }
            leaf.len[r - 1] += n;
            doc.ids.nextElement[agent] = first + n;
            return; // the index entry of run r-1 already covers the new elements (nothing else can sit between)
        }
        doc.placeRun(leaf, r, agent, first, n, olA, olS, orA, orS, source, from, deleted);
    }

    /** See {@link SeqDoc#deleteIds}. */
    void deleteIds(int agent, int first, int count) {
        SeqDoc doc = this.doc;
        doc.resetCursor();
        int e = first;
        int end = first + count;
        while (e < end) {
            doc.find(agent, e);
            SeqLeaf leaf = doc.atLeaf;
            int r = doc.atRun;
            int k = Math.min(end - e, leaf.len[r] - doc.atOff);
            if (!leaf.del[r]) {
                doc.markDeleted(leaf, r, doc.atOff, k);
            }
            e += k;
        }
    }
}

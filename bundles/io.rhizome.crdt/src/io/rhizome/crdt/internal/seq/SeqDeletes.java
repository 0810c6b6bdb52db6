package io.rhizome.crdt.internal.seq;

import java.util.ArrayList;
import java.util.List;

/**
 * Finds the elements a merged state has deleted that are still live here, without looking each one
 * up by id: replicas of one sequence hold their common elements in the same order, so one forward
 * walk over this document's runs, in step with the state's runs, meets every element the state
 * deleted. A state whose order disagrees (only a forged one can) makes the walk run off the end;
 * then each deleted range is looked up by id instead, which is correct for any input.
 */
final class SeqDeletes {

    private SeqDeletes() {
    }

    /**
     * The ranges {@code {agent here, first, count}} of elements that {@code into} has and that are
     * deleted in {@code from} but live in {@code into}; {@code known[a]} is how many elements of the
     * state's agent {@code a} {@code into} has. Changes nothing.
     */
    static List<int[]> news(SeqDoc into, SeqState from, int[] known) {
        int[] here = new int[from.names.length];
        for (int a = 0; a < here.length; a++) {
            here[a] = into.ids.agentIfKnown(from.names[a]);
        }
        List<int[]> out = walk(into, from, known, here);
        return out != null ? out : lookUp(into, from, known, here);
    }

    private static List<int[]> walk(SeqDoc into, SeqState from, int[] known, int[] here) {
        List<int[]> out = new ArrayList<>();
        SeqLeaf leaf = into.head;
        int r = 0;
        for (int k = 0; k < from.runs; k++) {
            int a = from.agent[k];
            int e = from.seq[k];
            int end = Math.min(e + from.len[k], known[a]);
            if (!from.del[k] || e >= end) {
                continue; // live there, or not here yet: nothing to delete
            }
            int ia = here[a];
            while (e < end) {
                while (leaf != null && !(leaf.agent[r] == ia && e >= leaf.seq[r] && e < leaf.seq[r] + leaf.len[r])) {
                    if (++r >= leaf.n) {
                        leaf = leaf.next;
                        r = 0;
                        while (leaf != null && leaf.n == 0) {
                            leaf = leaf.next;
                        }
                    }
                }
                if (leaf == null) {
                    return null;
                }
                int m = Math.min(end - e, leaf.seq[r] + leaf.len[r] - e);
                if (!leaf.del[r]) {
                    out.add(new int[] {ia, e, m});
                }
                e += m;
            }
        }
        return out;
    }

    private static List<int[]> lookUp(SeqDoc into, SeqState from, int[] known, int[] here) {
        List<int[]> out = new ArrayList<>();
        for (int k = 0; k < from.runs; k++) {
            int a = from.agent[k];
            int e = from.seq[k];
            int end = Math.min(e + from.len[k], known[a]);
            if (!from.del[k]) {
                continue;
            }
            while (e < end) {
                into.find(here[a], e);
                int m = Math.min(end - e, into.atLeaf.len[into.atRun] - into.atOff);
                if (!into.atLeaf.del[into.atRun]) {
                    out.add(new int[] {here[a], e, m});
                }
                e += m;
            }
        }
        return out;
    }
}

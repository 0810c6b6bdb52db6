package io.rhizome.crdt.internal.seq;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.rhizome.spi.crdt.CrdtDecodeException;

/**
 * Joins a decoded sequence state into a live one, in time proportional to the difference plus one
 * pass over both run lists: the elements the live document lacks are integrated one run at a time, each after the runs that hold its origins and its agent's earlier
 * elements (a dependency order computed before anything changes, so a state whose origins form a
 * cycle is rejected without effect); then the elements deleted in the state but live here (found by
 * {@link SeqDeletes}) are deleted here.
 */
final class SeqMerge {

    private SeqMerge() {
    }

    private static final class Portion {
        String agent;
        int first;
        int n;
        boolean deleted;
        String leftAgent;
        int leftSeq;
        String rightAgent;
        int rightSeq;
        Object content;
        int contentAt;
        int state; // 0 new, 1 visiting, 2 ordered
    }

    static void merge(SeqDoc into, SeqState from) throws CrdtDecodeException {
        Map<String, List<Portion>> byAgent = new HashMap<>();
        List<Portion> all = new ArrayList<>();
        int[] known = new int[from.names.length];
        for (int a = 0; a < known.length; a++) {
            known[a] = known(into, from.names[a]);
        }
        for (int k = 0; k < from.runs; k++) {
            int a = from.agent[k], first = from.seq[k], n = from.len[k];
            if (first + n <= known[a]) {
                continue; // already here; only its deletion may be news, see below
            }
            String name = from.names[a];
            int start = Math.max(first, known[a]);
            Portion p = new Portion();
            p.agent = name;
            p.first = start;
            p.n = first + n - start;
            p.deleted = from.del[k];
            if (start == first) {
                p.leftAgent = from.olA[k] == SeqDoc.NONE ? null : from.names[from.olA[k]];
                p.leftSeq = from.olS[k];
            } else {
                p.leftAgent = name;
                p.leftSeq = start - 1;
            }
            p.rightAgent = from.orA[k] == SeqDoc.NONE ? null : from.names[from.orA[k]];
            p.rightSeq = from.orS[k];
            if (!p.deleted) {
                p.content = snapshot(from.content, from.contentAt[k] + (start - first), p.n);
            }
            all.add(p);
            byAgent.computeIfAbsent(name, x -> new ArrayList<>()).add(p);
        }
        List<int[]> deletes = SeqDeletes.news(into, from, known);
        byAgent.values().forEach(list -> list.sort((x, y) -> Integer.compare(x.first, y.first)));

        List<Portion> order = new ArrayList<>(all.size());
        ArrayDeque<Portion> stack = new ArrayDeque<>();
        for (Portion root : all) {
            if (root.state != 0) {
                continue;
            }
            root.state = 1;
            stack.push(root);
            while (!stack.isEmpty()) {
                Portion q = stack.peek();
                Portion dep = unmet(into, byAgent, q);
                if (dep == null) {
                    q.state = 2;
                    order.add(q);
                    stack.pop();
                } else if (dep.state == 1) {
                    throw new CrdtDecodeException("sequence state has cyclic origins at " + q.agent + ":" + q.first);
                } else {
                    dep.state = 1;
                    stack.push(dep);
                }
            }
        }

        // Nothing has changed so far; from here on nothing can fail.
        for (Portion p : order) {
            int a = into.ids.agent(p.agent);
            int la = p.leftAgent == null ? SeqDoc.NONE : into.ids.agent(p.leftAgent);
            int ra = p.rightAgent == null ? SeqDoc.NONE : into.ids.agent(p.rightAgent);
            into.integrate(a, p.first, p.n, la, p.leftSeq, ra, p.rightSeq, p.content, 0, p.deleted);
        }
        for (int[] d : deletes) {
            into.deleteIds(d[0], d[1], d[2]);
        }
        into.resetCursor();
    }

    private static int known(SeqDoc doc, String agent) {
        int a = doc.ids.agentIfKnown(agent);
        return a == SeqDoc.NONE ? 0 : doc.ids.nextElement[a];
    }

    /** The first portion that must be integrated before {@code q}, or null if none is missing. */
    private static Portion unmet(SeqDoc into, Map<String, List<Portion>> byAgent, Portion q) throws CrdtDecodeException {
        if (q.first > 0) {
            Portion p = pending(into, byAgent, q.agent, q.first - 1);
            if (p != null) {
                return p;
            }
        }
        if (q.leftAgent != null) {
            Portion p = pending(into, byAgent, q.leftAgent, q.leftSeq);
            if (p != null) {
                return p;
            }
        }
        if (q.rightAgent != null) {
            return pending(into, byAgent, q.rightAgent, q.rightSeq);
        }
        return null;
    }

    /** The not yet ordered portion holding {@code (agent, element)}, or null if it is present or ordered. */
    private static Portion pending(SeqDoc into, Map<String, List<Portion>> byAgent, String agent, int element)
            throws CrdtDecodeException {
        if (element < known(into, agent)) {
            return null;
        }
        List<Portion> list = byAgent.get(agent);
        if (list != null) {
            int lo = 0, hi = list.size() - 1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                Portion p = list.get(mid);
                if (element < p.first) {
                    hi = mid - 1;
                } else if (element >= p.first + p.n) {
                    lo = mid + 1;
                } else {
                    return p.state == 2 ? null : p;
                }
            }
        }
        throw new CrdtDecodeException("sequence state refers to " + agent + ":" + element + ", which it does not contain");
    }

    private static Object snapshot(Object content, int at, int n) {
        if (content instanceof int[] c) {
            return java.util.Arrays.copyOfRange(c, at, at + n);
        }
        return java.util.Arrays.copyOfRange((Object[]) content, at, at + n);
    }
}

package io.rhizome.crdt.internal.seq;

import java.util.Arrays;
import java.util.BitSet;

import io.rhizome.spi.crdt.CrdtDecodeException;

/**
 * Checks that the runs of a decoded state cover each agent's element numbers exactly once, from 0
 * to the agent's total (the sum of its run lengths): no element missing, none repeated. A state
 * that fails is refused with a {@link CrdtDecodeException} naming the agent and the place.
 */
final class SeqIdCoverage {

    private SeqIdCoverage() {
    }

    /**
     * The check of {@link #check} without sorting, when the elements fit a small bit map:
     * no two runs may share an element, and none may end past its agent's total (the sum of its
     * run lengths), so together they cover each agent's elements exactly once. Returns false when
     * the bit map would be too large, leaving the check to {@link #check}.
     */
    static boolean coveredByBits(int runs, int[] agent, int[] seq, int[] len, int agents, String[] names, long[] total)
            throws CrdtDecodeException {
        long[] base = new long[agents];
        long sum = 0;
        for (int a = 0; a < agents; a++) {
            base[a] = sum;
            sum += total[a];
        }
        if (sum > MAX_BITS) {
            return false;
        }
        BitSet seen = new BitSet((int) sum);
        for (int k = 0; k < runs; k++) {
            int a = agent[k];
            if ((long) seq[k] + len[k] > total[a]) {
                throw new CrdtDecodeException("elements of " + names[a] + " are missing or repeated near " + seq[k]);
            }
            int from = (int) (base[a] + seq[k]);
            int to = from + len[k];
            int set = seen.nextSetBit(from);
            if (set >= 0 && set < to) {
                throw new CrdtDecodeException("elements of " + names[a] + " are repeated near " + (set - base[a]));
            }
            seen.set(from, to);
        }
        return true;
    }

    /** The largest number of elements {@link #coveredByBits} checks (a 2 MB bit map). */
    private static final long MAX_BITS = 1L << 24;

    /**
     * Every agent's runs must cover 0..total-1 exactly once. Returns the runs sorted by id, packed as
     * {@code agent << 52 | first << 21 | run} ({@link SeqState#RUN_BITS}), or null for a state too
     * large to pack.
     */
    static long[] check(int runs, int[] agent, int[] seq, int[] len, int agents, String[] names, long[] total)
            throws CrdtDecodeException {
        long[] expect = new long[agents];
        // Sort (agent, element, run) packed in one long when they fit, which they do but for huge states.
        if (agents <= (1 << 11) && runs <= (1 << 21)) {
            long[] keys = new long[runs];
            for (int k = 0; k < runs; k++) {
                keys[k] = ((long) agent[k] << 52) | ((long) seq[k] << 21) | k;
            }
            Arrays.sort(keys);
            for (long key : keys) {
                checkNext((int) (key & ((1 << 21) - 1)), agent, seq, len, names, expect);
            }
            checkTotals(agents, names, total, expect);
            return keys;
        }
        {
            Integer[] order = new Integer[runs];
            for (int k = 0; k < runs; k++) {
                order[k] = k;
            }
            Arrays.sort(order, (x, y) -> agent[x] != agent[y] ? Integer.compare(agent[x], agent[y]) : Integer.compare(seq[x], seq[y]));
            for (Integer k : order) {
                checkNext(k, agent, seq, len, names, expect);
            }
        }
        checkTotals(agents, names, total, expect);
        return null;
    }

    private static void checkTotals(int agents, String[] names, long[] total, long[] expect) throws CrdtDecodeException {
        for (int a = 0; a < agents; a++) {
            if (expect[a] != total[a]) {
                throw new CrdtDecodeException("elements of " + names[a] + " do not add up");
            }
        }
    }

    private static void checkNext(int k, int[] agent, int[] seq, int[] len, String[] names, long[] expect) throws CrdtDecodeException {
        int a = agent[k];
        if (seq[k] != expect[a]) {
            throw new CrdtDecodeException("elements of " + names[a] + " are missing or repeated near " + expect[a]);
        }
        expect[a] += len[k];
    }
}

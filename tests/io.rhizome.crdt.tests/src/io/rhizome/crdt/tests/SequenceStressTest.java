package io.rhizome.crdt.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.rhizome.spi.crdt.CrdtReplica;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crdt.ReplicaContext;
import io.rhizome.spi.crdt.TextReplica;

/**
 * Long concurrent editing sessions on {@code text}: documents of thousands of runs spread over many
 * leaves, so that leaf splits, order relabelling and the id index are exercised on the remote path
 * and in state merges, not only in the small random schedules of the conformance suite.
 */
class SequenceStressTest {

    @Test
    void threeEditorsConvergeOnLargeDocuments() throws Exception {
        long base = Long.getLong("rhizome.crdt.seed", System.nanoTime());
        for (int c = 0; c < 4; c++) {
            long seed = base + c;
            try {
                session(new Random(seed));
            } catch (Throwable t) {
                throw new AssertionError("text stress session failed; replay with -Drhizome.crdt.seed=" + seed + " (" + t + ")", t);
            }
        }
    }

    private record Sent(byte[] bytes, int[] deps) {
    }

    private static void session(Random random) throws Exception {
        CrdtType type = BuiltinTypes.get("text");
        int n = 3;
        TextReplica[] r = new TextReplica[n];
        List<List<Sent>> outbox = new ArrayList<>();
        int[][] have = new int[n][n]; // have[i][k]: how many of k's operations replica i has
        for (int i = 0; i < n; i++) {
            r[i] = (TextReplica) type.newReplica(ReplicaContext.of("editor-" + i));
            outbox.add(new ArrayList<>());
        }
        for (int step = 0; step < 6000; step++) {
            int i = random.nextInt(n);
            TextReplica t = r[i];
            int len = t.length();
            byte[] op;
            if (len > 0 && random.nextInt(3) == 0) {
                int at = random.nextInt(len);
                op = t.delete(at, 1 + random.nextInt(Math.min(5, len - at)));
            } else {
                int at = random.nextInt(5) == 0 ? random.nextInt(len + 1) : Math.max(0, len - random.nextInt(10));
                op = t.insert(at, word(random));
            }
            outbox.get(i).add(new Sent(op, have[i].clone()));
            have[i][i]++;
            if (random.nextInt(20) == 0) {
                int to = random.nextInt(n);
                int from = random.nextInt(n);
                if (to != from) {
                    deliver(r, outbox, have, to, from, outbox.get(from).size());
                }
            }
            if (random.nextInt(1500) == 0) {
                int to = random.nextInt(n);
                int from = (to + 1) % n;
                r[to].merge(r[from].encodeState());
                for (int k = 0; k < n; k++) {
                    have[to][k] = Math.max(have[to][k], have[from][k]);
                }
            }
        }
        for (int to = 0; to < n; to++) {
            for (int from = 0; from < n; from++) {
                deliver(r, outbox, have, to, from, outbox.get(from).size());
            }
        }
        assertTrue(r[0].length() > 2000, "the session built a large document: " + r[0].length());
        for (int i = 1; i < n; i++) {
            assertEquals(r[0].text(), r[i].text(), "editor " + i + " converged");
            assertEquals(r[0].version(), r[i].version());
        }
        CrdtReplica copy = type.decodeState(ReplicaContext.of("copy"), r[1].encodeState());
        assertEquals(r[0].value(), copy.value());
    }

    /** Gives {@code to} the first {@code upTo} operations of {@code from}, each after its causal dependencies. */
    private static void deliver(TextReplica[] r, List<List<Sent>> outbox, int[][] have, int to, int from, int upTo) throws Exception {
        while (have[to][from] < upTo) {
            Sent op = outbox.get(from).get(have[to][from]);
            for (int k = 0; k < r.length; k++) {
                if (k != from && k != to) {
                    deliver(r, outbox, have, to, k, op.deps[k]);
                }
            }
            r[to].apply(op.bytes);
            have[to][from]++;
        }
    }

    private static String word(Random random) {
        StringBuilder s = new StringBuilder();
        for (int i = 1 + random.nextInt(6); i > 0; i--) {
            s.append((char) ('a' + random.nextInt(26)));
        }
        return s.toString();
    }
}

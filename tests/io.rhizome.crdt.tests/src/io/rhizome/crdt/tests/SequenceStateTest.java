package io.rhizome.crdt.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.rhizome.spi.crdt.CrdtDecodeException;
import io.rhizome.spi.crdt.CrdtReplica;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crdt.ReplicaContext;
import io.rhizome.spi.crdt.TextReplica;

/**
 * Sequence states ({@code text}, {@code list}): states written by earlier versions (format 1,
 * DEFLATE-compressed) still decode and merge, large states are LZ4-compressed (format 3) and a
 * damaged compressed body is refused, and merging the state of a diverged replica gives
 * exactly what applying the missing operations one by one gives.
 */
class SequenceStateTest {

    /**
     * A text state written by the format-1 encoder: alice typed "Hello world", bob (who had it)
     * replaced the "H" with "J" and appended "!", concurrently alice inserted "," and replaced "world"
     * with " Ünïcödé 😀 there", then merged bob's state.
     */
    private static final String TEXT_FORMAT_1 = "0a010205616c6963650403626f620301514d63624dccc94c4e654eca4f62636364000246362606061e5d66"
            + "3626660e255e2636a008231323230b4816a440ce2b3527275f47e1f09cbcc3eb930f6f4b39bc52e1c3fc190d0a2519a945a98a00";
    private static final String TEXT_FORMAT_1_VALUE = "Jello, Ünïcödé 😀 there!";
    /** A list state written by the format-1 encoder: "a", 2, {"k":true} inserted, then "a" deleted. */
    private static final String LIST_FORMAT_1 = "090101056361726f6c0401272463644d4e2ccacf6162626000216616260646108b8197d188ab5a295bc9aaa4a834b51600";

    @Test
    void textStatesOfFormatOneStillDecodeAndMerge() throws Exception {
        CrdtType type = BuiltinTypes.get("text");
        byte[] old = HexFormat.of().parseHex(TEXT_FORMAT_1);
        TextReplica copy = (TextReplica) type.decodeState(ReplicaContext.of("late"), old);
        assertEquals(TEXT_FORMAT_1_VALUE, copy.text());
        assertEquals(4, copy.version().asMap().get("alice"));
        assertEquals(3, copy.version().asMap().get("bob"));

        // Re-encoded (in the current format) it decodes to the same replica.
        TextReplica again = (TextReplica) type.decodeState(ReplicaContext.of("again"), copy.encodeState());
        assertEquals(TEXT_FORMAT_1_VALUE, again.text());
        assertEquals(copy.version(), again.version());

        // Merged into a replica that has only alice's first operation and made an edit of its own.
        TextReplica alice = (TextReplica) type.newReplica(ReplicaContext.of("alice"));
        TextReplica carol = (TextReplica) type.newReplica(ReplicaContext.of("carol"));
        carol.apply(alice.insert(0, "Hello world"));
        carol.insert(2, "~"); // between "He" and "llo", where nobody else edited
        String expected = "Je~llo, Ünïcödé 😀 there!";
        carol.merge(old);
        assertEquals(expected, carol.text());
        carol.merge(old);
        assertEquals(expected, carol.text(), "merging the same state again changes nothing");
    }

    @Test
    void listStatesOfFormatOneStillDecode() throws Exception {
        CrdtType type = BuiltinTypes.get("list");
        CrdtReplica copy = type.decodeState(ReplicaContext.of("late"), HexFormat.of().parseHex(LIST_FORMAT_1));
        assertEquals(new ObjectMapper().readTree("[2,{\"k\":true}]"), copy.value());
        CrdtReplica again = type.decodeState(ReplicaContext.of("again"), copy.encodeState());
        assertEquals(copy.value(), again.value());
    }

    @Test
    void aStateOfUnknownFormatIsRefusedAndChangesNothing() throws Exception {
        CrdtType type = BuiltinTypes.get("text");
        TextReplica source = (TextReplica) type.newReplica(ReplicaContext.of("a"));
        source.insert(0, "abc");
        byte[] state = source.encodeState();
        // The format byte follows the version vector: tag, kind, count 1, id "a" (len 1), counter 1.
        int formatAt = 2 + 1 + 2 + 1;
        byte[] unknown = state.clone();
        unknown[formatAt] = 9;
        TextReplica target = (TextReplica) type.newReplica(ReplicaContext.of("b"));
        target.insert(0, "x");
        byte[] before = target.encodeState();
        CrdtDecodeException e = assertThrows(CrdtDecodeException.class, () -> target.merge(unknown));
        assertTrue(e.getMessage().contains("unknown sequence state format 9"), e.getMessage());
        assertArrayEquals(before, target.encodeState());
        assertThrows(CrdtDecodeException.class, () -> type.decodeState(ReplicaContext.of("c"), unknown));
    }

    /**
     * A state from 128 KiB of plain layout on is LZ4-compressed (format 3); it decodes and merges
     * like a plain one. A compressed body that is cut short, or that decompresses to another size
     * than its header claims, or a claim no LZ4 body of that size can reach, is refused and changes
     * nothing.
     */
    @Test
    void largeStatesAreLz4CompressedAndDamagedOnesAreRefused() throws Exception {
        CrdtType type = BuiltinTypes.get("text");
        TextReplica source = (TextReplica) type.newReplica(ReplicaContext.of("a"));
        Random random = new Random(7);
        List<String> vocabulary = new ArrayList<>(); // prose repeats its words, which is what LZ4 finds
        for (int i = 0; i < 300; i++) {
            vocabulary.add(word(random) + word(random));
        }
        StringBuilder text = new StringBuilder();
        while (text.length() < 160_000) {
            text.append(vocabulary.get(random.nextInt(vocabulary.size()))).append(random.nextInt(9) == 0 ? "\n" : " ");
        }
        source.insert(0, text.toString());
        byte[] state = source.encodeState();
        int formatAt = 2 + 1 + 2 + 1; // tag, kind, count 1, id "a", counter 1 (one insert)
        assertEquals(3, state[formatAt], "format 3 (LZ4) for a state of " + text.length() + " characters");
        assertTrue(state.length < text.length() * 3 / 4, "compressed: " + state.length + " bytes for " + text.length() + " characters");
        TextReplica copy = (TextReplica) type.decodeState(ReplicaContext.of("copy"), state);
        assertEquals(text.toString(), copy.text());
        TextReplica other = (TextReplica) type.newReplica(ReplicaContext.of("b"));
        other.insert(0, "b's own ");
        other.merge(state);
        // Both inserted at the start concurrently: the two inserts end up side by side, in either order.
        assertTrue(other.text().equals("b's own " + text) || other.text().equals(text + "b's own "), "merged text");

        int[] raw = varint(state, formatAt + 1);
        int[] packedLen = varint(state, raw[1]);
        int bodyAt = packedLen[1];
        assertEquals(state.length, bodyAt + packedLen[0], "the compressed body ends the state");

        TextReplica target = (TextReplica) type.newReplica(ReplicaContext.of("t"));
        target.insert(0, "keep me");
        byte[] before = target.encodeState();
        List<byte[]> damaged = new ArrayList<>();
        damaged.add(withRawLength(state, formatAt, raw, packedLen, raw[0] + 1));  // decompresses to fewer bytes than claimed
        damaged.add(withRawLength(state, formatAt, raw, packedLen, raw[0] - 1));  // to more
        damaged.add(withRawLength(state, formatAt, raw, packedLen, 1 << 29));     // more than any body of this size can give
        byte[] cut = new byte[bodyAt + packedLen[0] - 40];                        // the body cut short, its length fixed
        System.arraycopy(state, 0, cut, 0, raw[1]);
        int at = writeVarint(cut, raw[1], packedLen[0] - 40);
        System.arraycopy(state, bodyAt, cut, at, packedLen[0] - 40);
        damaged.add(java.util.Arrays.copyOf(cut, at + packedLen[0] - 40));
        for (byte[] d : damaged) {
            assertThrows(CrdtDecodeException.class, () -> target.merge(d));
            assertThrows(CrdtDecodeException.class, () -> type.decodeState(ReplicaContext.of("c"), d));
            assertArrayEquals(before, target.encodeState());
        }
    }

    /** The LEB128 varint at {@code at}: its value and the index after it. */
    private static int[] varint(byte[] b, int at) {
        long v = 0;
        int shift = 0;
        while (true) {
            int x = b[at++] & 0xFF;
            v |= (long) (x & 0x7F) << shift;
            if (x < 0x80) {
                return new int[] {(int) v, at};
            }
            shift += 7;
        }
    }

    private static int writeVarint(byte[] b, int at, long v) {
        while ((v & ~0x7FL) != 0) {
            b[at++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        b[at++] = (byte) v;
        return at;
    }

    /** The state with its uncompressed-size field replaced. */
    private static byte[] withRawLength(byte[] state, int formatAt, int[] raw, int[] packedLen, long claimed) {
        byte[] out = new byte[state.length + 10];
        System.arraycopy(state, 0, out, 0, formatAt + 1);
        int at = writeVarint(out, formatAt + 1, claimed);
        System.arraycopy(state, raw[1], out, at, state.length - raw[1]);
        return java.util.Arrays.copyOf(out, at + state.length - raw[1]);
    }

    /**
     * Three editors edit concurrently and exchange some operations; at checkpoints one editor's state
     * is merged into a copy of another's. The result must equal a replica that applied, one by one in
     * causal order, the operations the two had between them; merging it again, or merging an older
     * state, changes nothing.
     */
    @Test
    void mergingADivergedStateEqualsApplyingItsOperations() throws Exception {
        long base = Long.getLong("rhizome.crdt.seed", System.nanoTime());
        for (int c = 0; c < 3; c++) {
            long seed = base + c;
            try {
                session(new Random(seed));
            } catch (Throwable t) {
                throw new AssertionError("state merge session failed; replay with -Drhizome.crdt.seed=" + seed + " (" + t + ")", t);
            }
        }
    }

    private record Sent(byte[] bytes, int[] deps) {
    }

    private record Snapshot(byte[] state, int[] have) {
    }

    private static void session(Random random) throws Exception {
        CrdtType type = BuiltinTypes.get("text");
        int n = 3;
        TextReplica[] r = new TextReplica[n];
        List<List<Sent>> outbox = new ArrayList<>();
        int[][] have = new int[n][n];
        for (int i = 0; i < n; i++) {
            r[i] = (TextReplica) type.newReplica(ReplicaContext.of("editor-" + i));
            outbox.add(new ArrayList<>());
        }
        List<Snapshot> older = new ArrayList<>();
        int checks = 0;
        for (int step = 1; step <= 3000; step++) {
            int i = random.nextInt(n);
            TextReplica t = r[i];
            int len = t.length();
            byte[] op;
            if (len > 0 && random.nextInt(3) == 0) {
                int at = random.nextInt(len);
                op = t.delete(at, 1 + random.nextInt(Math.min(8, len - at)));
            } else {
                int at = random.nextInt(4) == 0 ? random.nextInt(len + 1) : Math.max(0, len - random.nextInt(10));
                op = t.insert(at, word(random));
            }
            outbox.get(i).add(new Sent(op, have[i].clone()));
            have[i][i]++;
            if (random.nextInt(15) == 0) {
                int to = random.nextInt(n);
                int from = random.nextInt(n);
                if (to != from) {
                    deliver(r[to], have[to], outbox, from, random.nextInt(outbox.get(from).size() + 1));
                }
            }
            if (step % 250 == 0) {
                int into = random.nextInt(n);
                int from = (into + 1 + random.nextInt(n - 1)) % n;
                byte[] state = r[from].encodeState();
                TextReplica merged = (TextReplica) type.decodeState(ReplicaContext.of("editor-" + into), r[into].encodeState());
                merged.merge(state);

                TextReplica expected = (TextReplica) type.newReplica(ReplicaContext.of("reference"));
                int[] refHave = new int[n];
                for (int k = 0; k < n; k++) {
                    deliver(expected, refHave, outbox, k, Math.max(have[into][k], have[from][k]));
                }
                assertEquals(expected.text(), merged.text(), "merge of editor " + from + " into " + into + " at step " + step);
                assertEquals(expected.version(), merged.version());

                merged.merge(state);
                assertEquals(expected.text(), merged.text(), "merging the same state again changes nothing");

                // States of earlier checkpoints: some are covered by this replica, some bring news.
                int[] union = new int[n];
                for (int k = 0; k < n; k++) {
                    union[k] = Math.max(have[into][k], have[from][k]);
                }
                for (Snapshot old : older) {
                    merged.merge(old.state);
                    for (int k = 0; k < n; k++) {
                        union[k] = Math.max(union[k], old.have[k]);
                    }
                }
                TextReplica all = (TextReplica) type.newReplica(ReplicaContext.of("reference"));
                int[] allHave = new int[n];
                for (int k = 0; k < n; k++) {
                    deliver(all, allHave, outbox, k, union[k]);
                }
                assertEquals(all.text(), merged.text(), "older states merged at step " + step);
                assertEquals(all.version(), merged.version());
                older.add(new Snapshot(state, have[from].clone()));
                checks++;
            }
        }
        assertEquals(12, checks);
        assertTrue(r[0].length() > 500, "the session built a document of many runs: " + r[0].length());
    }

    /** Gives {@code to} the first {@code upTo} operations of {@code from}, each after its causal dependencies. */
    private static void deliver(TextReplica to, int[] have, List<List<Sent>> outbox, int from, int upTo) throws Exception {
        while (have[from] < upTo) {
            Sent op = outbox.get(from).get(have[from]);
            for (int k = 0; k < have.length; k++) {
                if (k != from) {
                    deliver(to, have, outbox, k, op.deps[k]);
                }
            }
            to.apply(op.bytes);
            have[from]++;
        }
    }

    private static String word(Random random) {
        StringBuilder s = new StringBuilder();
        for (int i = 1 + random.nextInt(5); i > 0; i--) {
            s.append((char) ('a' + random.nextInt(26)));
        }
        return s.toString();
    }
}

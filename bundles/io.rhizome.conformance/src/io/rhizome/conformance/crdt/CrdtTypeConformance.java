package io.rhizome.conformance.crdt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import io.rhizome.api.clock.HlcTimestamp;
import io.rhizome.spi.crdt.CrdtDecodeException;
import io.rhizome.spi.crdt.CrdtIntentException;
import io.rhizome.spi.crdt.CrdtReplica;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crdt.ReplicaContext;
import io.rhizome.spi.crdt.VersionVector;

/**
 * The contract of {@link CrdtType} and {@link io.rhizome.spi.crdt.CrdtReplica}, as tests every type
 * runs: built-in ones and third-party ones alike. Subclass it, return the type under test from
 * {@link #type()} and a generator of valid intents from {@link #randomIntent}; every test here then
 * runs against that type.
 *
 * <p>What it checks: naming; encode/decode round trips of operations and states; idempotence (every
 * operation delivered twice); convergence and commutativity under causal delivery (random
 * schedules over 3-5 replicas with duplicates, state merges, deltas and compactions, each replica
 * with its own hybrid logical clock so that concurrent writes may tie; seeded and reproducible);
 * atomic rejection of malformed, truncated and hostile bytes and of invalid intents; that
 * {@code compact} keeps the value; that an export ({@link CrdtReplica#exportValue()}) imports
 * through {@link CrdtType#importIntents} into a fresh replica and over an earlier import with the
 * same value (or, for a type that does not import, is refused with a sentence naming it), that
 * import refuses what is not an export without effect, and that a delete is an intent the type
 * accepts or a refusal naming the type.
 *
 * <p>Property runs use the seed in the system property {@code rhizome.crdt.seed} when set, a fresh
 * one otherwise; a failure names the seed of the failing case so that it can be replayed with
 * {@code -Drhizome.crdt.seed=<seed>} (and {@code -Drhizome.crdt.cases=1}).
 *
 * @since 0.1
 */
public abstract class CrdtTypeConformance {

    protected static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** The type under test. */
    protected abstract CrdtType type();

    /**
     * A valid intent for {@code replica} in its current state (for example an index inside the current
     * length), chosen with {@code random}.
     */
    protected abstract JsonNode randomIntent(Random random, CrdtReplica replica);

    /** Other types the type under test may nest (maps); none by default. */
    protected Optional<CrdtType> lookup(String name) {
        return Optional.empty();
    }

    /**
     * Whether equal states always encode to equal bytes (true for the built-in types). When it does
     * not hold for your type, return false: round trips and "nothing changed" are then checked on
     * {@link CrdtReplica#value()} and {@link CrdtReplica#version()} only.
     */
    protected boolean deterministicEncoding() {
        return true;
    }

    /** What "unchanged" is compared on. */
    private Object snapshot(CrdtReplica r) {
        return deterministicEncoding() ? List.of(Arrays.toString(r.encodeState()), r.value(), r.version())
                : List.of(r.value(), r.version());
    }

    /**
     * Whether the type imports exported values ({@link CrdtType#importIntents}); false for a type
     * that keeps the SPI's refusing default, which the suite then checks instead.
     */
    protected boolean imports() {
        return true;
    }

    /**
     * Whether importing a later export over an earlier import reaches the later value exactly. It
     * holds for every built-in type but {@code or-map}: a key the exporting device removed and then
     * updated again continues from history the export does not carry.
     */
    protected boolean importsOverEarlierImports() {
        return true;
    }

    /** How many random schedules {@link #convergesUnderRandomCausalSchedules()} runs. */
    protected int propertyCases() {
        return Integer.getInteger("rhizome.crdt.cases", 300);
    }

    protected final ReplicaContext context(String replicaId) {
        return new ReplicaContext(replicaId, this::lookup);
    }

    private long time = 1_700_000_000_000L;

    /**
     * Strictly increasing timestamps, as one hybrid logical clock gives them (every later write, on
     * any replica, is later); the random schedules below emulate one clock per replica instead, so
     * that concurrent writes can carry equal timestamps and exercise tie-breaks.
     */
    protected final HlcTimestamp nextTimestamp(Random random) {
        time += 1 + random.nextInt(3);
        return new HlcTimestamp(time, 0);
    }

    // =============================================================================================

    @Test
    void nameIsWellFormedAndReplicasReportIt() {
        CrdtType t = type();
        assertTrue(t.name().matches("[a-z0-9.-]+"), "type name " + t.name() + " is [a-z0-9.-]+");
        assertNotNull(t.semantics());
        assertTrue(!t.semantics().isBlank(), "semantics line is not blank");
        CrdtReplica r = t.newReplica(context("alice"));
        assertEquals(t.name(), r.typeName());
        assertNotNull(r.value(), "an empty replica has a value");
        assertEquals(VersionVector.EMPTY, r.version(), "an empty replica has seen nothing");
    }

    @Test
    void stateRoundTripKeepsValueAndVersion() throws Exception {
        Random random = new Random(11);
        CrdtReplica a = type().newReplica(context("alice"));
        for (int i = 0; i < 50; i++) {
            a.mutate(randomIntent(random, a), nextTimestamp(random));
            CrdtReplica copy = type().decodeState(context("alice"), a.encodeState());
            assertEquals(a.value(), copy.value(), "value after decodeState(encodeState())");
            assertEquals(a.version(), copy.version(), "version after decodeState(encodeState())");
            if (deterministicEncoding()) {
                assertArrayEquals(a.encodeState(), copy.encodeState(), "a decoded state encodes to the same bytes");
            }
        }
    }

    @Test
    void operationsReplayedTwiceChangeNothing() throws Exception {
        Random random = new Random(12);
        CrdtReplica a = type().newReplica(context("alice"));
        CrdtReplica b = type().newReplica(context("bob"));
        for (int i = 0; i < 60; i++) {
            byte[] op = a.mutate(randomIntent(random, a), nextTimestamp(random));
            b.apply(op);
            JsonNode once = b.value();
            b.apply(op);
            assertEquals(once, b.value(), "applying an operation twice is the same as once");
            assertEquals(a.value(), b.value(), "the receiver follows the sender");
            assertEquals(a.version(), b.version());
        }
    }

    @Test
    void concurrentOperationsCommute() throws Exception {
        Random random = new Random(13);
        for (int round = 0; round < 40; round++) {
            CrdtReplica a = type().newReplica(context("alice"));
            CrdtReplica b = type().newReplica(context("bob"));
            // a shared history first
            for (int i = 0; i < 5; i++) {
                b.apply(a.mutate(randomIntent(random, a), nextTimestamp(random)));
            }
            List<byte[]> fromA = new ArrayList<>();
            List<byte[]> fromB = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                fromA.add(a.mutate(randomIntent(random, a), nextTimestamp(random)));
                fromB.add(b.mutate(randomIntent(random, b), nextTimestamp(random)));
            }
            for (byte[] op : fromB) {
                a.apply(op);
            }
            for (byte[] op : fromA) {
                b.apply(op);
            }
            assertEquals(a.value(), b.value(), "concurrent operations applied in either order give one value");
            assertEquals(a.version(), b.version());
        }
    }

    @Test
    void deltaSinceBringsAReplicaUpToDate() throws Exception {
        Random random = new Random(14);
        CrdtReplica a = type().newReplica(context("alice"));
        CrdtReplica b = type().newReplica(context("bob"));
        for (int round = 0; round < 20; round++) {
            for (int i = 0; i < 3; i++) {
                b.apply(a.mutate(randomIntent(random, a), nextTimestamp(random)));
            }
            CrdtReplica late = type().decodeState(context("carol"), b.encodeState());
            for (int i = 0; i < 3; i++) {
                a.mutate(randomIntent(random, a), nextTimestamp(random));
                a.apply(b.mutate(randomIntent(random, b), nextTimestamp(random)));
            }
            late.merge(a.deltaSince(late.version()));
            assertEquals(a.value(), late.value(), "merging deltaSince(version) catches up");
            assertEquals(a.version(), late.version());
            b.merge(a.encodeState());
        }
    }

    @Test
    void compactKeepsTheValue() throws Exception {
        Random random = new Random(15);
        CrdtReplica a = type().newReplica(context("alice"));
        CrdtReplica b = type().newReplica(context("bob"));
        for (int i = 0; i < 80; i++) {
            CrdtReplica w = random.nextBoolean() ? a : b;
            CrdtReplica other = w == a ? b : a;
            other.apply(w.mutate(randomIntent(random, w), nextTimestamp(random)));
            if (i % 10 == 9) {
                VersionVector all = a.version().meet(b.version());
                JsonNode before = a.value();
                a.compact(all);
                assertEquals(before, a.value(), "compact does not change the value");
                b.compact(all);
            }
        }
        assertEquals(a.value(), b.value());
    }

    @Test
    void invalidIntentsAreRejectedWithoutEffect() throws Exception {
        Random random = new Random(16);
        CrdtReplica a = type().newReplica(context("alice"));
        for (int i = 0; i < 5; i++) {
            a.mutate(randomIntent(random, a), nextTimestamp(random));
        }
        Object before = snapshot(a);
        JsonNode[] bad = {
            JSON.textNode("increment"),
            JSON.objectNode(),
            JSON.objectNode().put("op", 7),
            JSON.objectNode().put("op", "no-such-op-" + random.nextInt(1000)),
            JSON.arrayNode().add("op"),
        };
        for (JsonNode intent : bad) {
            assertThrows(CrdtIntentException.class, () -> a.mutate(intent, nextTimestamp(random)), "intent " + intent);
            assertEquals(before, snapshot(a), "a rejected intent changes nothing: " + intent);
        }
    }

    @Test
    void truncatedOperationsAndStatesAreRejectedWithoutEffect() throws Exception {
        Random random = new Random(17);
        CrdtReplica a = type().newReplica(context("alice"));
        CrdtReplica b = type().newReplica(context("bob"));
        for (int i = 0; i < 20; i++) {
            byte[] op = a.mutate(randomIntent(random, a), nextTimestamp(random));
            Object before = snapshot(b);
            for (int cut = 0; cut < op.length; cut++) {
                byte[] prefix = Arrays.copyOf(op, cut);
                assertThrows(CrdtDecodeException.class, () -> b.apply(prefix), "operation cut to " + cut + " of " + op.length + " bytes");
                assertEquals(before, snapshot(b), "a rejected operation changes nothing");
            }
            b.apply(op);
        }
        byte[] state = a.encodeState();
        CrdtReplica c = type().newReplica(context("carol"));
        Object before = snapshot(c);
        for (int cut = 0; cut < state.length; cut += Math.max(1, state.length / 200)) {
            byte[] prefix = Arrays.copyOf(state, cut);
            assertThrows(CrdtDecodeException.class, () -> type().decodeState(context("carol"), prefix), "state cut to " + cut);
            assertThrows(CrdtDecodeException.class, () -> c.merge(prefix), "state cut to " + cut);
            assertEquals(before, snapshot(c), "a rejected state changes nothing");
        }
    }

    @Test
    void hostileBytesNeverEscapeAsAnythingButCrdtDecodeException() throws Exception {
        Random random = new Random(18);
        CrdtReplica a = type().newReplica(context("alice"));
        List<byte[]> ops = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ops.add(a.mutate(randomIntent(random, a), nextTimestamp(random)));
        }
        byte[] state = a.encodeState();
        for (int i = 0; i < 600; i++) {
            CrdtReplica target = type().decodeState(context("bob"), state);
            Object before = snapshot(target);
            byte[] bytes = switch (i % 3) {
                case 0 -> randomBytes(random, random.nextInt(64));
                case 1 -> flip(random, ops.get(random.nextInt(ops.size())));
                default -> flip(random, state);
            };
            boolean asState = i % 3 == 2 || random.nextBoolean();
            try {
                if (asState) {
                    target.merge(bytes);
                } else {
                    target.apply(bytes);
                }
            } catch (CrdtDecodeException rejected) {
                assertEquals(before, snapshot(target), "a rejected input changes nothing");
                continue;
            } catch (RuntimeException | Error e) {
                fail("hostile " + (asState ? "state" : "operation") + " " + Arrays.toString(bytes) + " escaped as " + e, e);
            }
            assertNotNull(target.value(), "an accepted input leaves a usable replica");
            try {
                type().decodeState(context("bob"), bytes);
            } catch (CrdtDecodeException expected) {
                // fine: only the typed exception may come out
            } catch (RuntimeException e) {
                fail("hostile state escaped decodeState as " + e, e);
            }
        }
    }

    private static byte[] randomBytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static byte[] flip(Random random, byte[] valid) {
        byte[] b = valid.clone();
        int flips = 1 + random.nextInt(3);
        for (int i = 0; i < flips && b.length > 0; i++) {
            b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
        }
        return b;
    }

    // =============================================================================================
    // property: convergence under random causal schedules
    // =============================================================================================

    /** Applies {@code intents} to {@code r}, as the engine does for an import. */
    private void applyIntents(CrdtReplica r, List<JsonNode> intents, Random random) throws CrdtIntentException {
        for (JsonNode intent : intents) {
            r.mutate(intent, nextTimestamp(random));
        }
    }

    @Test
    void anExportImportsIntoAFreshReplicaAndOverAnEarlierImportOrIsRefusedNamingTheType() throws Exception {
        if (!imports()) {
            CrdtIntentException e = assertThrows(CrdtIntentException.class,
                    () -> type().importIntents(context("alice"), JSON.nullNode(), JSON.numberNode(1)));
            assertTrue(e.getMessage().contains("'" + type().name() + "'"), "the refusal names the type: " + e.getMessage());
            return;
        }
        Random random = new Random(18);
        for (int round = 0; round < 20; round++) {
            CrdtReplica source = type().newReplica(context("alice"));
            CrdtReplica again = type().newReplica(context("carol"));
            for (int checkpoint = 0; checkpoint < 4; checkpoint++) {
                int writes = random.nextInt(8);
                for (int i = 0; i < writes; i++) {
                    source.mutate(randomIntent(random, source), nextTimestamp(random));
                }
                JsonNode exported = source.exportValue();
                assertNotNull(exported, "exportValue is never null");
                assertEquals(source.value().isNull(), exported.isNull(), "exportValue is null exactly when value is");
                String where = "round " + round + ", checkpoint " + checkpoint + ", export " + exported;

                CrdtReplica fresh = type().newReplica(context("bob"));
                applyIntents(fresh, type().importIntents(context("bob"), JSON.nullNode(), exported), random);
                assertEquals(source.value(), fresh.value(), "a fresh replica reaches the exported value: " + where);
                assertEquals(exported, fresh.exportValue(), "and exports the same: " + where);
                assertEquals(List.of(), type().importIntents(context("bob"), fresh.exportValue(), exported),
                        "importing what a replica already holds asks for nothing: " + where);

                if (importsOverEarlierImports()) {
                    applyIntents(again, type().importIntents(context("carol"), again.exportValue(), exported), random);
                    assertEquals(source.value(), again.value(), "a later export over an earlier import: " + where);
                    assertEquals(exported, again.exportValue(), where);
                }
            }
        }
    }

    @Test
    void computingImportIntentsChangesNothingAndARefusalSaysWhy() throws Exception {
        Random random = new Random(19);
        CrdtReplica a = type().newReplica(context("alice"));
        for (int i = 0; i < 5; i++) {
            a.mutate(randomIntent(random, a), nextTimestamp(random));
        }
        Object before = snapshot(a);
        JsonNode current = a.exportValue();
        // of these, what is not an export of the type is refused with a sentence
        JsonNode[] candidates = {JSON.textNode("x"), JSON.numberNode(3), JSON.arrayNode().add(1).add(2), JSON.objectNode().put("k", 1),
            JSON.booleanNode(true)};
        for (JsonNode bad : candidates) {
            try {
                type().importIntents(context("alice"), current, bad);
            } catch (CrdtIntentException e) {
                assertNotNull(e.getMessage(), "a refusal says why");
                assertTrue(!e.getMessage().isBlank(), "a refusal says why");
            }
            assertEquals(before, snapshot(a), "computing import intents changes nothing: " + bad);
            assertEquals(current, a.exportValue(), "computing import intents changes nothing: " + bad);
        }
    }

    @Test
    void deleteIsAnIntentTheTypeAcceptsOrARefusalNamingIt() throws Exception {
        Random random = new Random(20);
        CrdtReplica a = type().newReplica(context("alice"));
        for (int i = 0; i < 5; i++) {
            a.mutate(randomIntent(random, a), nextTimestamp(random));
        }
        JsonNode delete;
        try {
            delete = type().deleteIntent();
        } catch (CrdtIntentException e) {
            assertTrue(e.getMessage().contains("'" + type().name() + "'") && e.getMessage().contains("does not support delete"),
                    "a refused delete names the type: " + e.getMessage());
            return;
        }
        assertNotNull(delete, "a delete intent");
        a.mutate(delete, nextTimestamp(random));
        CrdtReplica b = type().newReplica(context("bob"));
        b.mutate(randomIntent(random, b), nextTimestamp(random));
        b.mutate(delete, nextTimestamp(random));
        assertEquals(a.value(), b.value(), "a deleted entity has the same value whatever it held");
    }

    @Test
    void convergesUnderRandomCausalSchedules() {
        long base = Long.getLong("rhizome.crdt.seed", System.nanoTime());
        int cases = propertyCases();
        for (int c = 0; c < cases; c++) {
            long seed = base + c;
            try {
                new Schedule(seed).run();
            } catch (Throwable t) {
                throw new AssertionError(type().name() + ": random schedule failed; replay with -Drhizome.crdt.seed=" + seed
                        + " -Drhizome.crdt.cases=1 (" + t + ")", t);
            }
        }
    }

    /** One random run: replicas, operations, causal deliveries with duplicates, state merges and deltas. */
    private final class Schedule {
        private final Random random;
        private final int n;
        private final CrdtReplica[] replicas;
        /** The test's own vector clock per replica (what it has applied), independent of the type. */
        private final int[][] clocks;
        private final List<Sent> sent = new ArrayList<>();

        private record Sent(int origin, int number, int[] deps, byte[] bytes, long hlc) {
        }

        /** Per replica, the last hybrid-logical-clock time it issued or observed (HLC rules). */
        private final long[] hlc;
        private long wall = 1_700_000_000_000L;

        Schedule(long seed) {
            random = new Random(seed);
            n = 3 + random.nextInt(3);
            replicas = new CrdtReplica[n];
            clocks = new int[n][n];
            hlc = new long[n];
            for (int i = 0; i < n; i++) {
                replicas[i] = type().newReplica(context("replica-" + (char) ('a' + i)));
            }
        }

        void run() throws Exception {
            int steps = 10 + random.nextInt(50);
            for (int s = 0; s < steps; s++) {
                int roll = random.nextInt(100);
                if (roll < 50) {
                    mutate(random.nextInt(n));
                } else if (roll < 90) {
                    deliverRandom();
                } else if (roll < 94) {
                    mergeState(random.nextInt(n), random.nextInt(n));
                } else if (roll < 98) {
                    mergeDelta(random.nextInt(n), random.nextInt(n));
                } else {
                    compact(random.nextInt(n));
                }
            }
            // quiescence: every replica gets everything, in some causal order, with duplicates
            for (int round = 0;; round++) {
                if (round > sent.size() + 2) {
                    fail("delivery did not quiesce after " + round + " rounds");
                }
                for (int r : shuffled()) {
                    for (int k : shuffledSent()) {
                        Sent op = sent.get(k);
                        if (ready(r, op) && (clocks[r][op.origin] < op.number || random.nextInt(10) == 0)) {
                            deliver(r, op);
                        }
                    }
                }
                boolean missing = false;
                for (int r = 0; r < n && !missing; r++) {
                    for (Sent op : sent) {
                        if (clocks[r][op.origin] < op.number) {
                            missing = true;
                            break;
                        }
                    }
                }
                if (!missing) {
                    break;
                }
            }
            JsonNode expected = replicas[0].value();
            for (int r = 1; r < n; r++) {
                assertEquals(expected, replicas[r].value(), "replica " + r + " converged with replica 0");
                assertEquals(replicas[0].version(), replicas[r].version(), "versions agree");
            }
            CrdtReplica fromState = type().decodeState(context("observer"), replicas[n - 1].encodeState());
            assertEquals(expected, fromState.value(), "a state snapshot has the converged value");
            CrdtReplica merged = type().newReplica(context("observer"));
            for (CrdtReplica r : replicas) {
                merged.merge(r.encodeState());
            }
            assertEquals(expected, merged.value(), "merging every state gives the converged value");
        }

        private void mutate(int r) throws Exception {
            CrdtReplica replica = replicas[r];
            JsonNode intent = randomIntent(random, replica);
            int[] deps = clocks[r].clone();
            wall += random.nextInt(2); // replicas often write in the same millisecond
            hlc[r] = Math.max(hlc[r] + 1, wall);
            byte[] bytes = replica.mutate(intent, new HlcTimestamp(hlc[r], 0));
            clocks[r][r]++;
            sent.add(new Sent(r, clocks[r][r], deps, bytes, hlc[r]));
        }

        /** Compacts with what every replica has seen, as the engine would. */
        private void compact(int r) {
            VersionVector all = replicas[0].version();
            for (int i = 1; i < n; i++) {
                all = all.meet(replicas[i].version());
            }
            JsonNode before = replicas[r].value();
            replicas[r].compact(all);
            assertEquals(before, replicas[r].value(), "compact does not change the value");
        }

        private boolean ready(int r, Sent op) {
            if (op.origin == r) {
                return true; // a replica's own operations are duplicates for it
            }
            if (clocks[r][op.origin] < op.number - 1) {
                return false;
            }
            for (int i = 0; i < n; i++) {
                if (i != op.origin && clocks[r][i] < op.deps[i]) {
                    return false;
                }
            }
            return true;
        }

        private void deliverRandom() throws Exception {
            if (sent.isEmpty()) {
                return;
            }
            int r = random.nextInt(n);
            List<Sent> candidates = new ArrayList<>();
            for (Sent op : sent) {
                if (ready(r, op)) {
                    candidates.add(op);
                }
            }
            if (!candidates.isEmpty()) {
                deliver(r, candidates.get(random.nextInt(candidates.size())));
            }
        }

        private void deliver(int r, Sent op) throws Exception {
            replicas[r].apply(op.bytes);
            hlc[r] = Math.max(hlc[r], op.hlc);
            if (clocks[r][op.origin] < op.number) {
                clocks[r][op.origin] = op.number;
            }
        }

        private void mergeState(int into, int from) throws Exception {
            if (into == from) {
                return;
            }
            replicas[into].merge(replicas[from].encodeState());
            join(into, from);
        }

        private void mergeDelta(int into, int from) throws Exception {
            if (into == from) {
                return;
            }
            replicas[into].merge(replicas[from].deltaSince(replicas[into].version()));
            join(into, from);
        }

        private void join(int into, int from) {
            hlc[into] = Math.max(hlc[into], hlc[from]);
            for (int i = 0; i < n; i++) {
                clocks[into][i] = Math.max(clocks[into][i], clocks[from][i]);
            }
        }

        private List<Integer> shuffled() {
            List<Integer> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                out.add(i);
            }
            java.util.Collections.shuffle(out, random);
            return out;
        }

        private List<Integer> shuffledSent() {
            List<Integer> out = new ArrayList<>();
            for (int i = 0; i < sent.size(); i++) {
                out.add(i);
            }
            java.util.Collections.shuffle(out, random);
            return out;
        }
    }
}

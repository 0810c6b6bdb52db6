package io.rhizome.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Issue #10 with real daemons paired over libp2p on loopback: a device whose clock runs an hour
 * ahead is told so and stops acknowledging writes the mesh would refuse, while its peer's writes
 * keep reaching it; once its clock is fixed it writes again (case 10). Status tells the truth:
 * local-only writes are never pending, and the last sync with a peer advances with every exchange
 * (case 11).
 */
class NodeDeliveryTest {

    static final Duration WAIT = Duration.ofSeconds(45);

    @TempDir
    Path tmp;

    private static JsonNode status(Path home) throws Exception {
        return NodeProcess.json(NodeProcess.cli("status", "--json", "--home", home.toString())).path("sync");
    }

    /** Polls {@code rhizome status --json} until {@code condition} holds (bounded; fails with the last status). */
    private static JsonNode awaitStatus(Path home, String what, Predicate<JsonNode> condition) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = status(home);
            if (condition.test(last)) {
                return last;
            }
            Thread.sleep(250);
        }
        throw new AssertionError(what + ": not within " + WAIT + "; last status of " + home + ": " + last);
    }

    private static void awaitValue(Path home, String ns, String key, String expected) throws Exception {
        NodeProcess.awaitValue(home, ns, key, expected, WAIT);
    }

    /** B joins A's mesh by address. */
    private static void pair(Path a, Path b) throws Exception {
        JsonNode invitation = NodeProcess.json(NodeProcess.cli("pair", "--no-wait", "--json", "--home", a.toString()));
        NodeProcess.CliResult join = NodeProcess.cli("join", invitation.path("code").asText(), "--addr",
                invitation.path("addresses").get(0).asText(), "--home", b.toString());
        assertEquals(0, join.exitCode(), join.stderr() + join.stdout());
    }

    private static String deviceId(Path home) throws Exception {
        return NodeProcess.json(NodeProcess.cli("identity", "--json", "--home", home.toString())).path("deviceId").asText();
    }

    @Test
    void aClockAnHourAheadIsToldStopsAcknowledgingWritesAndRecoversOnceFixed() throws Exception {
        Path a = NodeProcess.loopbackHome(tmp, "a");
        Path b = NodeProcess.loopbackHome(tmp, "b");
        Map<String, String> hourAhead = Map.of("RHIZOME_JAVA_OPTS", "-Drhizome.clock.offsetMillis=3600000");
        try (NodeProcess nb = NodeProcess.start(b).awaitReady()) {
            try (NodeProcess na = NodeProcess.start(a, hourAhead).awaitReady()) {
                pair(a, b);
                JsonNode skewed = awaitStatus(a, "A learns from B that its clock is beyond the drift limit",
                        s -> !s.path("clockProblem").isNull() && !s.path("clockProblem").isMissingNode());
                assertTrue(skewed.path("clockProblem").asText().contains("ahead"), skewed.toString());
                assertEquals("error", skewed.path("state").asText(), "not 'idle' while the clock is refused: " + skewed);

                NodeProcess.CliResult refused = NodeProcess.cli("put", "notes", "from-a", "\"stamped an hour ahead\"", "--home", a.toString());
                assertEquals(1, refused.exitCode(), "a write the mesh would refuse is not acknowledged: " + refused.stdout());
                assertTrue(refused.stderr().contains("clock"), refused.stderr());
                assertEquals(1, NodeProcess.cli("get", "notes", "from-a", "--home", a.toString()).exitCode(), "nothing was written");

                assertEquals(0, NodeProcess.cli("put", "notes", "from-b", "\"B's clock is right\"", "--home", b.toString()).exitCode());
                awaitValue(a, "notes", "from-b", "\"B's clock is right\"");
                String human = NodeProcess.cli("status", "--home", a.toString()).stdout();
                assertTrue(human.contains("clock"), "the human status shows the clock problem:\n" + human);
                na.terminate();
            }
            // The clock is fixed (no offset) and the node restarted: it writes, and the write arrives.
            try (NodeProcess na = NodeProcess.start(a).awaitReady()) {
                String bId = deviceId(b);
                awaitStatus(a, "A is connected to B again with a sound clock", s -> s.path("clockProblem").isNull()
                        && s.path("connectedPeers").asInt() == 1 && s.path("peers").toString().contains(bId));
                assertEquals(0, NodeProcess.cli("put", "notes", "from-a", "\"on time\"", "--home", a.toString()).exitCode());
                awaitValue(b, "notes", "from-a", "\"on time\"");
                awaitStatus(a, "nothing pending, nothing held back",
                        s -> s.path("pendingMutations").asLong() == 0 && !s.path("peers").toString().contains("\"direction\""));
            }
        }
    }

    /**
     * Change sets a device stamped an hour ahead while it had no peer to tell it: its peer holds
     * back exactly that device's streams (both sides say so in status, with the reason), its own
     * writes still arrive, and once the peer's clock reaches the stamps (B restarted with its clock
     * moved on — time passing) they are admitted, with no restart of A.
     */
    @Test
    void changeSetsStampedAheadAreHeldBackVisiblyAndAdmittedOnceWithinTheLimit() throws Exception {
        Path a = NodeProcess.loopbackHome(tmp, "a");
        Path b = NodeProcess.loopbackHome(tmp, "b");
        try (NodeProcess na = NodeProcess.start(a, Map.of("RHIZOME_JAVA_OPTS", "-Drhizome.clock.offsetMillis=3600000")).awaitReady()) {
            assertEquals(0, NodeProcess.cli("put", "notes", "early", "\"stamped an hour ahead\"", "--home", a.toString()).exitCode(),
                    "with no peer yet, nothing tells A its clock is off");
            String aId = deviceId(a);
            try (NodeProcess nb = NodeProcess.start(b).awaitReady()) {
                Path watchOut = tmp.resolve("watch-b.out");
                Process watch = new ProcessBuilder(NodeProcess.ROOT.resolve("rhizome").toString(), "watch", "--home", b.toString())
                        .redirectErrorStream(true).redirectOutput(watchOut.toFile()).start();
                pair(a, b);
                String bId = deviceId(b);
                JsonNode onB = awaitStatus(b, "B holds back A's streams for the clock", s -> heldCodes(s, aId).contains("clock-drift"));
                assertEquals("error", onB.path("state").asText(), onB.toString());
                awaitStatus(a, "A sees its streams held back by B", s -> heldCodes(s, bId).contains("clock-drift"));
                String human = NodeProcess.cli("status", "--home", b.toString()).stdout();
                assertTrue(human.contains("incoming") && human.contains("clock"), "the human status lists the held-back stream:\n" + human);
                assertEquals(0, NodeProcess.cli("put", "notes", "from-b", "\"B\"", "--home", b.toString()).exitCode());
                awaitValue(a, "notes", "from-b", "\"B\"");
                assertEquals(1, NodeProcess.cli("get", "notes", "early", "--home", b.toString()).exitCode(), "held back, not applied");
                try {
                    awaitFileContains(watchOut, "HELD   incoming notes|", "rhizome watch on B shows the held-back stream");
                } finally {
                    watch.destroy();
                    watch.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
                }
                nb.terminate();
            }
            // An hour passes for B (its clock moves on to A's stamps): A's held change sets arrive; A is not restarted.
            try (NodeProcess nb = NodeProcess.start(b, Map.of("RHIZOME_JAVA_OPTS", "-Drhizome.clock.offsetMillis=3540000")).awaitReady()) {
                awaitValue(b, "notes", "early", "\"stamped an hour ahead\"");
                awaitStatus(a, "nothing is held back any more", s -> s.path("peers").toString().indexOf("\"direction\"") < 0
                        && s.path("pendingMutations").asLong() == 0);
            }
        }
    }

    private static void awaitFileContains(Path file, String text, String what) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (java.nio.file.Files.exists(file) && java.nio.file.Files.readString(file).contains(text)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(what + ": '" + text + "' not within " + WAIT + "; got:\n"
                + (java.nio.file.Files.exists(file) ? java.nio.file.Files.readString(file) : "(nothing)"));
    }

    private static String heldCodes(JsonNode sync, String peer) {
        StringBuilder codes = new StringBuilder();
        for (JsonNode p : sync.path("peers")) {
            if (p.path("peerId").asText().equals(peer)) {
                for (JsonNode h : p.path("heldBack")) {
                    codes.append(h.path("code").asText()).append(' ');
                }
            }
        }
        return codes.toString();
    }

    @Test
    void localOnlyWritesAreNeverPendingAndTheLastSyncAdvances() throws Exception {
        Path a = NodeProcess.loopbackHome(tmp, "a");
        Path b = NodeProcess.loopbackHome(tmp, "b");
        try (NodeProcess na = NodeProcess.start(a).awaitReady(); NodeProcess nb = NodeProcess.start(b).awaitReady()) {
            NodeProcess.CliResult create = NodeProcess.cli("ns", "create", "scratch", "lww-register", "--scope", "local-only", "--home",
                    a.toString());
            assertEquals(0, create.exitCode(), create.stderr());
            // The declaration itself travels (a change set of the reserved namespace): pending until a peer has it.
            long declared = status(a).path("pendingMutations").asLong();
            assertEquals(1, declared, "the namespace declaration waits for a peer");
            for (int i = 0; i < 5; i++) {
                assertEquals(0, NodeProcess.cli("put", "scratch", "k" + i, String.valueOf(i), "--home", a.toString()).exitCode());
            }
            assertEquals(declared, status(a).path("pendingMutations").asLong(), "local-only writes wait for nobody");
            pair(a, b);
            assertEquals(0, NodeProcess.cli("put", "notes", "n1", "\"one\"", "--home", a.toString()).exitCode());
            awaitValue(b, "notes", "n1", "\"one\"");
            JsonNode synced = awaitStatus(a, "A sees B's acknowledgement and a last sync",
                    s -> s.path("pendingMutations").asLong() == 0 && s.path("peers").size() == 1
                            && !s.path("peers").get(0).path("lastSync").isNull());
            Instant first = Instant.parse(synced.path("peers").get(0).path("lastSync").asText());
            assertFalse(synced.path("lastSyncTime").isNull(), synced.toString());
            assertEquals(1, NodeProcess.cli("get", "scratch", "k0", "--home", b.toString()).exitCode(), "local-only never left A");

            assertEquals(0, NodeProcess.cli("put", "notes", "n2", "\"two\"", "--home", a.toString()).exitCode());
            awaitValue(b, "notes", "n2", "\"two\"");
            awaitStatus(a, "the last sync advances with the next exchange, and nothing is pending",
                    s -> Instant.parse(s.path("peers").get(0).path("lastSync").asText()).isAfter(first)
                            && s.path("pendingMutations").asLong() == 0);
        }
    }
}

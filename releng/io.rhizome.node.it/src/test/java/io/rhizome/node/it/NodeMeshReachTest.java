package io.rhizome.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Real daemons with mDNS off, paired by address over loopback libp2p: devices that only know each
 * other from the mesh's announcements dial each other, so they sync while the device that paired
 * them is down; a revoked device is told so, says so in its status, stops dialling, and stays
 * revoked across a restart.
 */
class NodeMeshReachTest {

    static final Duration WAIT = Duration.ofSeconds(45);
    /** Longer than several dialling rounds (2 s) and the pairing's first announcement (5 s after start). */
    static final Duration QUIET_WINDOW = Duration.ofSeconds(9);

    @TempDir
    Path tmp;

    private static JsonNode status(Path home) throws Exception {
        return NodeProcess.json(NodeProcess.cli("status", "--json", "--home", home.toString()));
    }

    private static String deviceId(Path home) throws Exception {
        return NodeProcess.json(NodeProcess.cli("identity", "--json", "--home", home.toString())).path("deviceId").asText();
    }

    /** {@code inviter} invites, {@code joiner} joins at the inviter's first address. */
    private static void pair(Path inviter, Path joiner) throws Exception {
        JsonNode invitation = NodeProcess.json(NodeProcess.cli("pair", "--no-wait", "--json", "--home", inviter.toString()));
        NodeProcess.CliResult join = NodeProcess.cli("join", invitation.path("code").asText(), "--addr",
                invitation.path("addresses").get(0).asText(), "--home", joiner.toString());
        assertEquals(0, join.exitCode(), join.stderr() + join.stdout());
    }

    private static void awaitJson(Path home, String what, Predicate<JsonNode> condition, String... command) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            String[] args = new String[command.length + 2];
            System.arraycopy(command, 0, args, 0, command.length);
            args[command.length] = "--home";
            args[command.length + 1] = home.toString();
            last = NodeProcess.json(NodeProcess.cli(args));
            if (condition.test(last)) {
                return;
            }
            Thread.sleep(300);
        }
        throw new AssertionError(what + " did not happen on " + home + " within " + WAIT + "; last: " + last);
    }

    private static void awaitValue(Path home, String key, String expected) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        NodeProcess.CliResult last = null;
        while (System.nanoTime() < deadline) {
            last = NodeProcess.cli("get", "notes", key, "--home", home.toString());
            if (last.exitCode() == 0 && last.stdout().strip().equals(expected)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("notes/" + key + " did not become " + expected + " on " + home + " within " + WAIT + "; last: "
                + (last == null ? "-" : last.exitCode() + " " + last.stdout() + last.stderr()));
    }

    private static long streamsOpened(Path home) throws Exception {
        JsonNode n = status(home).path("transports").path("libp2p").path("streamsOpened");
        assertTrue(n.isNumber(), "status shows the libp2p stream counter");
        return n.asLong();
    }

    /** Watches the counter for {@link #QUIET_WINDOW}; fails as soon as it moves. */
    private static void assertNoDialsFor(Path home, long expected, String why) throws Exception {
        long end = System.nanoTime() + QUIET_WINDOW.toNanos();
        while (System.nanoTime() < end) {
            assertEquals(expected, streamsOpened(home), why);
            Thread.sleep(1000);
        }
        assertEquals(expected, streamsOpened(home), why);
    }

    @Test
    void devicesPairedThroughTheInviterSyncWhileItIsDown() throws Exception {
        Path a = NodeProcess.loopbackHome(tmp, "a");
        Path b = NodeProcess.loopbackHome(tmp, "b");
        Path c = NodeProcess.loopbackHome(tmp, "c");
        try (NodeProcess na = NodeProcess.start(a).awaitReady(); NodeProcess nb = NodeProcess.start(b).awaitReady();
                NodeProcess nc = NodeProcess.start(c).awaitReady()) {
            pair(a, b);
            pair(a, c);
            String bId = deviceId(b);
            String cId = deviceId(c);
            awaitJson(b, "B trusts C (learned from A)", p -> p.path("peers").toString().contains(cId), "peers", "--json");

            assertEquals(143, na.terminate(), "A stops (SIGTERM: 128+15 after the shutdown hook)");
            assertEquals(0, NodeProcess.cli("put", "notes", "from-b", "\"B while A is down\"", "--home", b.toString()).exitCode());
            awaitValue(c, "from-b", "\"B while A is down\"");
            assertEquals(0, NodeProcess.cli("put", "notes", "from-c", "\"C while A is down\"", "--home", c.toString()).exitCode());
            awaitValue(b, "from-c", "\"C while A is down\"");
            JsonNode peersOfC = NodeProcess.json(NodeProcess.cli("peers", "--json", "--home", c.toString())).path("peers");
            boolean bConnected = false;
            for (JsonNode p : peersOfC) {
                bConnected |= p.path("deviceId").asText().equals(bId) && p.path("connected").asBoolean();
            }
            assertTrue(bConnected, "C is connected to B directly: " + peersOfC + "\n--- B ---\n" + nb.output() + "\n--- C ---\n" + nc.output());
        }
    }

    @Test
    void aRevokedDeviceIsToldStopsDiallingAndStaysRevokedAfterARestart() throws Exception {
        Path a = NodeProcess.loopbackHome(tmp, "a");
        Path b = NodeProcess.loopbackHome(tmp, "b");
        String aId;
        try (NodeProcess na = NodeProcess.start(a).awaitReady()) {
            aId = deviceId(a);
            try (NodeProcess nb = NodeProcess.start(b).awaitReady()) {
                pair(a, b);
                assertEquals(0, NodeProcess.cli("put", "notes", "before", "\"shared\"", "--home", a.toString()).exitCode());
                awaitValue(b, "before", "\"shared\"");
                assertTrue(status(b).path("sync").path("revoked").isNull(), "a member is not revoked");

                assertEquals(0, NodeProcess.cli("peers", "revoke", deviceId(b), "--home", a.toString()).exitCode());
                awaitJson(b, "B learns that it was revoked", s -> s.path("sync").path("revoked").isTextual(), "status", "--json");
                String revoked = status(b).path("sync").path("revoked").asText();
                assertTrue(revoked.contains("revoked from the mesh by " + aId) && revoked.contains("pair it again"), revoked);
                assertTrue(nb.output().contains("this device was revoked from the mesh"), "B's log says so");
                NodeProcess.CliResult human = NodeProcess.cli("status", "--home", b.toString());
                assertTrue(human.stdout().contains("REVOKED:  " + revoked), human.stdout());

                assertNoDialsFor(b, streamsOpened(b), "a revoked device dials no one\n--- B ---\n" + nb.output());
                assertEquals(143, nb.terminate(), "B stops (SIGTERM)");
            }
            try (NodeProcess nb = NodeProcess.start(b).awaitReady()) {
                String revoked = status(b).path("sync").path("revoked").asText();
                assertTrue(revoked.contains("revoked from the mesh by " + aId), "still revoked after a restart: " + revoked);
                assertNoDialsFor(b, 0, "nor after a restart\n--- B ---\n" + nb.output());
            }
        }
    }
}

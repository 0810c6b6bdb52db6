package io.rhizome.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Two (and three) real daemons, separate processes and homes, on loopback libp2p: what a user does
 * with {@code rhizome pair} and {@code rhizome join}. Pair, write on either side and read on the
 * other; revoke, and the revoked device receives nothing new; three wrong codes kill the invitation.
 */
class NodePairingTest {

    static final Duration SYNC_TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;



    private static void awaitValue(Path home, String ns, String key, String expected) throws Exception {
        NodeProcess.awaitValue(home, ns, key, expected, SYNC_TIMEOUT);
    }

    @Test
    void pairWriteBothWaysThenRevoke() throws Exception {
        Path a = NodeProcess.loopbackHome(tmp, "a");
        Path b = NodeProcess.loopbackHome(tmp, "b");
        try (NodeProcess na = NodeProcess.start(a).awaitReady(); NodeProcess nb = NodeProcess.start(b).awaitReady()) {
            JsonNode status = NodeProcess.json(NodeProcess.cli("status", "--json", "--home", a.toString()));
            JsonNode libp2p = status.path("transports").path("libp2p");
            assertTrue(libp2p.path("peerId").asText().startsWith("12D3KooW"), status.toString());
            assertFalse(libp2p.path("listenAddresses").isEmpty(), status.toString());

            JsonNode invitation = NodeProcess.json(NodeProcess.cli("pair", "--no-wait", "--json", "--home", a.toString()));
            String code = invitation.path("code").asText();
            assertTrue(code.matches("RZ-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}"), code);
            assertEquals(3, invitation.path("attemptsLeft").asInt());
            String addr = invitation.path("addresses").get(0).asText();

            NodeProcess.CliResult join = NodeProcess.cli("join", code, "--addr", addr, "--home", b.toString());
            assertEquals(0, join.exitCode(), join.stderr() + join.stdout() + "\n--- A ---\n" + na.output() + "\n--- B ---\n" + nb.output());
            String aId = NodeProcess.json(NodeProcess.cli("identity", "--json", "--home", a.toString())).path("deviceId").asText();
            String bId = NodeProcess.json(NodeProcess.cli("identity", "--json", "--home", b.toString())).path("deviceId").asText();
            assertTrue(join.stdout().contains(aId), join.stdout());
            JsonNode used = NodeProcess.json(NodeProcess.cli("pair", "--no-wait", "--json", "--home", a.toString()));
            assertEquals("active", used.path("state").asText(), "a new invitation replaces the used one");

            assertEquals(0, NodeProcess.cli("put", "notes", "from-a", "\"hello from A\"", "--home", a.toString()).exitCode());
            awaitValue(b, "notes", "from-a", "\"hello from A\"");
            assertEquals(0, NodeProcess.cli("put", "notes", "from-b", "\"hello from B\"", "--home", b.toString()).exitCode());
            awaitValue(a, "notes", "from-b", "\"hello from B\"");

            JsonNode peers = NodeProcess.json(NodeProcess.cli("peers", "--json", "--home", a.toString()));
            assertEquals(1, peers.path("peers").size(), peers.toString());
            assertEquals(bId, peers.path("peers").get(0).path("deviceId").asText());
            assertTrue(peers.path("peers").get(0).path("connected").asBoolean(), peers.toString());
            assertEquals("libp2p", peers.path("peers").get(0).path("transport").asText());

            long epochBefore = NodeProcess.json(NodeProcess.cli("identity", "--json", "--home", a.toString())).path("meshEpoch").asLong();
            NodeProcess.CliResult revoke = NodeProcess.cli("peers", "revoke", bId, "--home", a.toString());
            assertEquals(0, revoke.exitCode(), revoke.stderr());
            assertEquals(epochBefore + 1, NodeProcess.json(NodeProcess.cli("identity", "--json", "--home", a.toString())).path("meshEpoch").asLong());
            assertEquals(0, NodeProcess.json(NodeProcess.cli("peers", "--json", "--home", a.toString())).path("peers").size());

            assertEquals(0, NodeProcess.cli("put", "notes", "after-revoke", "\"secret\"", "--home", a.toString()).exitCode());
            // B redials within 2 s and is told it was revoked; give it several rounds, then check nothing arrived
            Thread.sleep(8_000);
            NodeProcess.CliResult leaked = NodeProcess.cli("get", "notes", "after-revoke", "--home", b.toString());
            assertEquals(1, leaked.exitCode(), "the revoked device received a write made after the revocation: " + leaked.stdout());
            assertEquals("\"hello from A\"", NodeProcess.cli("get", "notes", "from-a", "--home", b.toString()).stdout().strip(),
                    "what B had stays");
            JsonNode after = NodeProcess.json(NodeProcess.cli("status", "--json", "--home", a.toString()));
            assertEquals(0, after.path("sync").path("connectedPeers").asInt(), "A refuses links from the revoked device: " + after);
        }
    }

    @Test
    void threeWrongCodesKillTheInvitation() throws Exception {
        Path a = NodeProcess.loopbackHome(tmp, "a");
        Path c = NodeProcess.loopbackHome(tmp, "c");
        try (NodeProcess na = NodeProcess.start(a).awaitReady(); NodeProcess nc = NodeProcess.start(c).awaitReady()) {
            JsonNode invitation = NodeProcess.json(NodeProcess.cli("pair", "--no-wait", "--json", "--home", a.toString()));
            String code = invitation.path("code").asText();
            String addr = invitation.path("addresses").get(0).asText();
            char last = code.charAt(code.length() - 1);
            String wrong = code.substring(0, code.length() - 1) + (last == '0' ? '1' : '0');
            for (int i = 2; i >= 0; i--) {
                NodeProcess.CliResult r = NodeProcess.cli("join", wrong, "--addr", addr, "--home", c.toString());
                assertEquals(1, r.exitCode(), r.stdout() + r.stderr());
                assertTrue(r.stderr().contains("wrong code"), r.stderr());
            }
            NodeProcess.CliResult right = NodeProcess.cli("join", code, "--addr", addr, "--home", c.toString());
            assertEquals(1, right.exitCode(), right.stdout());
            assertTrue(right.stderr().contains("locked"), right.stderr());
            JsonNode state = NodeProcess.json(NodeProcess.cli("pair", "--json", "--no-wait", "--home", a.toString()));
            assertEquals("active", state.path("state").asText());
            assertEquals(0, NodeProcess.json(NodeProcess.cli("peers", "--json", "--home", a.toString())).path("peers").size());
            assertEquals(0, NodeProcess.json(NodeProcess.cli("peers", "--json", "--home", c.toString())).path("peers").size());

            NodeProcess.CliResult malformed = NodeProcess.cli("join", "RZ-1234", "--addr", addr, "--home", c.toString());
            assertEquals(1, malformed.exitCode());
            assertTrue(malformed.stderr().contains("12 characters"), malformed.stderr());
        }
    }
}

package io.rhizome.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code rhizome relay} (a node that only relays) and {@code p2p.relays}: two paired daemons that
 * keep a reservation on the relay announce their relayed addresses through the mesh updates; once
 * both restart on ports the other never learned, the only address of each that the other can dial
 * is the relayed one, a write syncs, and DCUtR upgrades the relayed connection to a direct one (status
 * shows the route as hole-punched; nothing stops the punch on loopback). A bad
 * p2p.relays is refused at start with a sentence naming the key.
 */
class NodeRelayTest {

    static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    /** A running `rhizome relay`, its address from relay.json. */
    private record Relay(Process process, Path home, String address) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private Relay startRelay() throws Exception {
        Path home = tmp.resolve("relay");
        Files.createDirectories(home);
        Files.writeString(home.resolve("rhizome.properties"), "relay.listen=/ip4/127.0.0.1/tcp/0\nrelay.maxReservations=4\n");
        Path out = tmp.resolve("relay.out");
        Process p = new ProcessBuilder(NodeProcess.ROOT.resolve("rhizome").toString(), "relay", "--home", home.toString())
                .directory(NodeProcess.ROOT.toFile()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        long deadline = System.nanoTime() + NodeProcess.START_TIMEOUT.toNanos();
        Path info = home.resolve("relay.json");
        while (!Files.exists(info)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new AssertionError("the relay did not start:\n" + Files.readString(out));
            }
            Thread.sleep(50);
        }
        JsonNode j = NodeProcess.JSON.readTree(info.toFile());
        assertTrue(Files.exists(home.resolve("relay-identity.key")), "the relay's only key, its libp2p identity");
        assertTrue(!Files.exists(home.resolve("osgi")) && !Files.exists(home.resolve("api.json")), "no node, no REST API in relay mode");
        return new Relay(p, home, j.path("addresses").get(0).asText());
    }

    /** {@code rhizome relay status --json} until {@code condition} holds. */
    private static JsonNode awaitRelayStatus(Path home, String what, Predicate<JsonNode> condition) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            NodeProcess.CliResult r = NodeProcess.cli("relay", "status", "--json", "--home", home.toString());
            last = NodeProcess.JSON.readTree(r.stdout());
            if (r.exitCode() == 0 && condition.test(last)) {
                return last;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(what + ": not within " + WAIT + "; relay status: " + last);
    }

    @Test
    void relayStatusSaysWhetherItRunsAndRefusesAHomeWithoutARelay() throws Exception {
        Path home;
        try (Relay relay = startRelay()) {
            home = relay.home();
            JsonNode rs = awaitRelayStatus(home, "the relay runs", j -> j.path("running").asBoolean());
            assertEquals(0, rs.path("reservations").asInt(), rs.toString());
            assertEquals(0, rs.path("circuits").asInt(), rs.toString());
        }
        NodeProcess.CliResult stopped = NodeProcess.cli("relay", "status", "--home", home.toString());
        assertEquals(3, stopped.exitCode(), stopped.stdout() + stopped.stderr());
        assertTrue(stopped.stdout().contains("not running"), stopped.stdout());
        Path none = tmp.resolve("not-a-relay");
        Files.createDirectories(none);
        NodeProcess.CliResult refused = NodeProcess.cli("relay", "status", "--home", none.toString());
        assertEquals(2, refused.exitCode(), refused.stdout());
        assertTrue(refused.stderr().contains("is not the home of a relay"), refused.stderr());
        assertEquals(List.of(), List.of(none.toFile().list()), "nothing written into it");
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void configure(Path home, int port, String relay) throws Exception {
        Files.writeString(home.resolve("rhizome.properties"), "api.port=0\np2p.listen=/ip4/127.0.0.1/tcp/" + port
                + "\np2p.mdns=false\np2p.relays=" + relay + "\n");
    }

    private static JsonNode json(Path home, String... command) throws Exception {
        String[] args = new String[command.length + 3];
        System.arraycopy(command, 0, args, 0, command.length);
        args[command.length] = "--json";
        args[command.length + 1] = "--home";
        args[command.length + 2] = home.toString();
        return NodeProcess.json(NodeProcess.cli(args));
    }

    private static void awaitJson(Path home, String what, Predicate<JsonNode> condition, String... command) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = json(home, command);
            if (condition.test(last)) {
                return;
            }
            Thread.sleep(300);
        }
        throw new AssertionError(what + " did not happen on " + home + " within " + WAIT + "; last: " + last);
    }

    @Test
    void pairedDevicesThatCannotDialEachOtherSyncThroughTheRelay() throws Exception {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        Files.createDirectories(a);
        Files.createDirectories(b);
        try (Relay relay = startRelay()) {
            configure(a, freePort(), relay.address());
            configure(b, freePort(), relay.address());
            String aPeer;
            String bPeer;
            // both start at once: a node start is most of this test's time
            try (NodeProcess na = NodeProcess.start(a); NodeProcess nb = NodeProcess.start(b)) {
                na.awaitReady();
                nb.awaitReady();
                awaitJson(a, "A reserves on the relay", s -> s.toString().contains("/p2p-circuit/p2p/"), "status");
                awaitJson(b, "B reserves on the relay", s -> s.toString().contains("/p2p-circuit/p2p/"), "status");
                // `relay status`: running, both reservations, the limits of its rhizome.properties
                JsonNode rs = awaitRelayStatus(relay.home(), "the relay counts both reservations", j -> j.path("reservations").asInt() == 2);
                assertTrue(rs.path("running").asBoolean() && rs.path("pid").asLong() == relay.process().pid(), rs.toString());
                assertEquals(4, rs.path("limits").path("maxReservations").asInt(), rs.toString());
                assertEquals(relay.address(), rs.path("addresses").get(0).asText(), rs.toString());
                NodeProcess.CliResult human = NodeProcess.cli("relay", "status", "--home", relay.home().toString());
                assertEquals(0, human.exitCode(), human.stderr());
                assertTrue(human.stdout().contains("running (pid " + relay.process().pid() + ")") && human.stdout().matches("(?s).*reservations +2 of 4 .*")
                        && human.stdout().contains("circuits") && human.stdout().contains(relay.address()), human.stdout());
                aPeer = json(a, "status").path("transports").path("libp2p").path("peerId").asText();
                bPeer = json(b, "status").path("transports").path("libp2p").path("peerId").asText();
                JsonNode invitation = json(a, "pair", "--no-wait");
                NodeProcess.CliResult join = NodeProcess.cli("join", invitation.path("code").asText(), "--addr",
                        invitation.path("addresses").get(0).asText(), "--home", b.toString());
                assertEquals(0, join.exitCode(), join.stderr() + join.stdout());
                // each learns the other's relayed address from the pairing and the mesh updates
                awaitJson(a, "A knows B's relayed address", p -> p.toString().contains("/p2p-circuit/p2p/" + bPeer), "peers");
                awaitJson(b, "B knows A's relayed address", p -> p.toString().contains("/p2p-circuit/p2p/" + aPeer), "peers");
                assertEquals(143, na.terminate());
                assertEquals(143, nb.terminate());
            }
            // new ports the other device never heard of: its known direct address is dead, the relayed one is not
            configure(a, freePort(), relay.address());
            configure(b, freePort(), relay.address());
            try (NodeProcess na = NodeProcess.start(a); NodeProcess nb = NodeProcess.start(b)) {
                na.awaitReady();
                nb.awaitReady();
                assertEquals(0, NodeProcess.cli("put", "notes", "via-relay", "\"through the relay\"", "--home", a.toString()).exitCode());
                NodeProcess.awaitValue(b, "notes", "via-relay", "\"through the relay\"", WAIT);
                // they met through the relay (no known direct address works); on loopback nothing stops DCUtR,
                // so the relayed connection is upgraded to a hole-punched one (behind real NATs: tests/nat/run.sh)
                awaitJson(b, "B's route to A upgraded by hole punching", st -> "hole-punched".equals(
                        st.path("transports").path("libp2p").path("routes").path(aPeer).asText()), "status");
                // and the device's own entry in sync.peers says so too (route in use now)
                awaitJson(b, "B's sync.peers entry of A shows the hole-punched route", st -> {
                    for (JsonNode p : st.path("sync").path("peers")) {
                        if ("hole-punched".equals(p.path("route").asText())) {
                            return true;
                        }
                    }
                    return false;
                }, "status");
                // the punch is counted once its attempt ends, just after the connection is marked: wait for it
                long punched = 0;
                long deadline = System.currentTimeMillis() + WAIT.toMillis();
                while (punched < 1 && System.currentTimeMillis() < deadline) {
                    punched = 0;
                    for (Path home : List.of(a, b)) {
                        punched += json(home, "status").path("transports").path("libp2p").path("holePunches").path("succeeded").asLong();
                    }
                    if (punched < 1) {
                        Thread.sleep(200);
                    }
                }
                assertTrue(punched >= 1, "a hole punch, which only runs over a relayed connection, succeeded\n--- A ---\n"
                        + na.output() + "\n--- B ---\n" + nb.output());
                assertEquals(0, NodeProcess.cli("put", "notes", "back", "\"and back\"", "--home", b.toString()).exitCode());
                NodeProcess.awaitValue(a, "notes", "back", "\"and back\"", WAIT);
            }
        }
    }

    @Test
    void aBadRelayAddressIsRefusedAtStartNamingTheKey() throws Exception {
        Path home = tmp.resolve("bad");
        Files.createDirectories(home);
        Files.writeString(home.resolve("rhizome.properties"), "api.port=0\np2p.listen=/ip4/127.0.0.1/tcp/0\np2p.mdns=false\n"
                + "p2p.relays=/ip4/127.0.0.1/tcp/4001\n");
        try (NodeProcess n = NodeProcess.start(home)) {
            assertEquals(2, n.awaitExit(Duration.ofSeconds(60)));
            assertTrue(n.output().contains("p2p.relays: '/ip4/127.0.0.1/tcp/4001' is not a relay address"), n.output());
            assertTrue(!Files.exists(home.resolve("api.json")), "nothing started");
        }
    }
}

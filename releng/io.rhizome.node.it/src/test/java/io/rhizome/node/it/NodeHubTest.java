package io.rhizome.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code rhizome hub} with real processes: a hub receives from A while B is down, A goes down, B
 * comes up and catches up from the hub only (status names the hub route); the hub's home holds no
 * mesh key and no plaintext (its files are searched for the values written); once A revoked B, the
 * hub refuses B. (Bad signatures, replays, foreign folders: {@code HubServerTest}, on the real
 * MapDB store.)
 */
class NodeHubTest {

    static final Duration WAIT = Duration.ofSeconds(90);
    private static final Map<String, String> FAST = Map.of("RHIZOME_JAVA_OPTS", "-Drhizome.cloud.pollMillis=300");
    private static final String MARKER = "hub-marker-5be1c0de written while B was down";

    @TempDir
    Path tmp;

    /** A running {@code rhizome hub}; what it says of itself is in hub.json. */
    record Hub(Process process, Path home, Path out) implements AutoCloseable {
        /** Starts {@code rhizome hub --home HOME} (its rhizome.properties already written), its output into {@code out}. */
        static Hub start(Path home, Path out) throws Exception {
            return start(home, out, Map.of());
        }

        /** The same, with {@code env} added to the launcher's environment. */
        static Hub start(Path home, Path out, Map<String, String> env) throws Exception {
            ProcessBuilder pb = new ProcessBuilder(NodeProcess.ROOT.resolve("rhizome").toString(), "hub", "--home", home.toString())
                    .directory(NodeProcess.ROOT.toFile()).redirectErrorStream(true).redirectOutput(out.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            Hub hub = new Hub(p, home, out);
            hub.await("writes hub.json with its address", j -> j.path("addresses").size() > 0);
            return hub;
        }

        JsonNode info() throws Exception {
            return NodeProcess.JSON.readTree(home.resolve("hub.json").toFile());
        }

        JsonNode await(String what, Predicate<JsonNode> condition) throws Exception {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (true) {
                if (Files.exists(home.resolve("hub.json"))) {
                    JsonNode j = info();
                    if (condition.test(j)) {
                        return j;
                    }
                }
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new AssertionError("the hub: " + what + ": not within " + WAIT + "; hub.json: "
                            + (Files.exists(home.resolve("hub.json")) ? info() : "-") + "\n" + Files.readString(out));
                }
                Thread.sleep(100);
            }
        }

        @Override
        public void close() throws Exception {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private Hub startHub() throws Exception {
        Path home = tmp.resolve("hub");
        Files.createDirectories(home);
        Files.writeString(home.resolve("rhizome.properties"), "hub.listen=/ip4/127.0.0.1/tcp/0\n");
        Hub hub = Hub.start(home, tmp.resolve("hub.out"));
        hub.await("writes hub.json with its address and claim code", j -> j.path("addresses").size() > 0 && j.has("claimCode"));
        return hub;
    }

    @Test
    void bCatchesUpFromTheHubAloneAndTheHubNeverSeesPlaintextNorAMeshKey() throws Exception {
        Path a = NodeProcess.loopbackHome(tmp, "a");
        Path b = NodeProcess.loopbackHome(tmp, "b");
        NodeCloudTest.pair(a, b);
        String bId;

        try (Hub hub = startHub()) {
            JsonNode info = hub.info();
            assertEquals(0, info.path("meshKeys").asInt(), "a hub holds no mesh key: " + info);
            String address = info.path("addresses").get(0).asText();
            String code = info.path("claimCode").asText();

            // B is down: A claims the hub (naming B as a member), writes, and its rounds leave the change set on the hub
            try (NodeProcess na = NodeProcess.start(a, FAST).awaitReady()) {
                NodeProcess.CliResult wrong = NodeProcess.cli("cloud", "add", "hub", address, "--code", "RZH-0000-0000-0000", "--home", a.toString());
                assertEquals(1, wrong.exitCode(), wrong.stdout());
                assertTrue(wrong.stderr().contains("claim code is wrong"), wrong.stderr());
                NodeProcess.CliResult add = NodeProcess.cli("cloud", "add", "hub", address, "--code", code, "--home", a.toString());
                assertEquals(0, add.exitCode(), add.stderr());
                assertTrue(add.stdout().startsWith("added hub-"), add.stdout());
                JsonNode claimed = hub.await("is claimed by A, with B as a member", j -> !j.has("claimCode") && j.path("members").asInt() == 2);
                long filesBefore = hub.await("holds A's first round", j -> j.path("files").asLong() > 0).path("files").asLong();
                assertTrue(claimed.path("store").path("location").asText().startsWith(hub.home().toString()), "MapDB in the hub's home: " + claimed);
                assertEquals(0, NodeProcess.cli("put", "notes", "from-a", "\"" + MARKER + "\"", "--home", a.toString()).exitCode());
                hub.await("holds A's batch file for B", j -> j.path("files").asLong() > filesBefore);
                na.terminate();
            }

            // A is down: B comes up, adds the hub (no code: A made it a member) and catches up from the hub only
            try (NodeProcess nb = NodeProcess.start(b, FAST).awaitReady()) {
                bId = NodeProcess.json(NodeProcess.cli("identity", "--json", "--home", b.toString())).path("deviceId").asText();
                assertFalse(bId.isEmpty());
                NodeProcess.CliResult add = NodeProcess.cli("cloud", "add", "hub", address, "--home", b.toString());
                assertEquals(0, add.exitCode(), add.stderr());
                NodeProcess.awaitValue(b, "notes", "from-a", "\"" + MARKER + "\"", WAIT);
                JsonNode peer = NodeProcess.json(NodeProcess.cli("status", "--json", "--home", b.toString())).path("sync").path("peers").get(0);
                assertFalse(peer.path("connected").asBoolean(), "A is down: " + peer);
                assertTrue(peer.path("lastSyncRoute").asText().startsWith("hub hub-"), "status names the hub route: " + peer);
                assertEquals("hub", peer.path("route").asText(), "the route in use for A is the hub: " + peer);
                nb.terminate();
            }

            // A revokes B (B is down); A's next round tells the hub, which then refuses B
            try (NodeProcess na = NodeProcess.start(a, FAST).awaitReady()) {
                NodeProcess.CliResult revoke = NodeProcess.cli("peers", "revoke", bId, "--home", a.toString());
                assertEquals(0, revoke.exitCode(), revoke.stderr());
                hub.await("knows B is revoked", j -> j.path("members").asInt() == 1 && j.path("revoked").asInt() == 1);
                na.terminate();
            }
            long refusedBefore = hub.info().path("refused").asLong();
            try (NodeProcess nb = NodeProcess.start(b, FAST).awaitReady()) {
                hub.await("refuses B", j -> j.path("refused").asLong() > refusedBefore);
                NodeProcess.CliResult again = NodeProcess.cli("cloud", "add", "hub", address, "--home", b.toString());
                String why = again.stderr() + NodeProcess.cli("cloud", "status", "--json", "--home", b.toString()).stdout();
                assertTrue(why.contains("was revoked from the mesh"), "B is told why: " + why);
                nb.terminate();
            }

            hub.close();
            List<Path> files;
            try (Stream<Path> s = Files.walk(hub.home())) {
                files = s.filter(Files::isRegularFile).toList();
            }
            assertTrue(files.stream().anyMatch(f -> f.toString().contains("data")), "the MapDB files are in the hub's home: " + files);
            assertFalse(files.stream().anyMatch(f -> f.getFileName().toString().startsWith("keystore")), "no key store (mesh keys live there): " + files);
            for (Path f : files) {
                String content = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                for (String needle : List.of("hub-marker-5be1c0de", "from-a", "notes")) {
                    assertFalse(content.contains(needle), f + " holds '" + needle + "' in the clear");
                }
            }
        }
    }

    @Test
    void aBadHubAddressIsRefusedWithASentenceAndAddsNothing() throws Exception {
        Path a = NodeProcess.loopbackHome(tmp, "lone");
        try (NodeProcess na = NodeProcess.start(a).awaitReady()) {
            NodeProcess.CliResult bad = NodeProcess.cli("cloud", "add", "hub", "/ip4/127.0.0.1/tcp/1", "--home", a.toString());
            assertEquals(1, bad.exitCode(), bad.stdout());
            assertTrue(bad.stderr().contains("is not a hub address"), bad.stderr());
            JsonNode none = NodeProcess.json(NodeProcess.cli("cloud", "status", "--json", "--home", a.toString()));
            assertEquals(0, none.path("clouds").size(), none.toString());
            na.terminate();
        }
        Path hubHome = tmp.resolve("badhub");
        Files.createDirectories(hubHome);
        Files.writeString(hubHome.resolve("rhizome.properties"), "hub.listen=/ip4/127.0.0.1/tcp/99999\n");
        NodeProcess.CliResult r = NodeProcess.cli("hub", "--home", hubHome.toString());
        assertEquals(2, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stderr().contains("hub.listen"), r.stderr());
    }
}

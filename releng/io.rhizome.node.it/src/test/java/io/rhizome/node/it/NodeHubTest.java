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

    /** Waits for a cloud of {@code home} matching {@code which} in {@code cloud status --json}. */
    private static JsonNode awaitCloud(Path home, String what, Predicate<JsonNode> which) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = NodeProcess.json(NodeProcess.cli("cloud", "status", "--json", "--home", home.toString()));
            for (JsonNode c : last.path("clouds")) {
                if (which.test(c)) {
                    return c;
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError(what + ": not within " + WAIT + "; cloud status: " + last);
    }

    /** Waits for {@code text} in the node's log. */
    private static void awaitLog(Path home, String what, String text) throws Exception {
        Path log = home.resolve("logs/rhizome.log");
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!(Files.exists(log) && Files.readString(log).contains(text))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": '" + text + "' not in " + log + " within " + WAIT);
            }
            Thread.sleep(200);
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
            // `hub status`: running, not claimed yet (its code shown), no member, no mesh key
            NodeProcess.CliResult st = NodeProcess.cli("hub", "status", "--json", "--home", hub.home().toString());
            assertEquals(0, st.exitCode(), st.stderr());
            JsonNode sj = NodeProcess.JSON.readTree(st.stdout());
            assertTrue(sj.path("running").asBoolean() && sj.path("pid").asLong() == hub.process.pid(), sj.toString());
            assertEquals(code, sj.path("claimCode").asText(), sj.toString());
            NodeProcess.CliResult human = NodeProcess.cli("hub", "status", "--home", hub.home().toString());
            assertEquals(0, human.exitCode(), human.stderr());
            assertTrue(human.stdout().contains("running (pid " + hub.process.pid() + ")") && human.stdout().contains("claim code " + code)
                    && human.stdout().matches("(?s).*members +0 \\(0 revoked\\).*") && human.stdout().contains(address), human.stdout());

            // A and B up: A claims the hub (naming B as a member); B, never typing `cloud add`, learns the
            // hub from A's mesh update and adds it as its hub cloud
            String bHub;
            try (NodeProcess na = NodeProcess.start(a, FAST).awaitReady(); NodeProcess nb = NodeProcess.start(b, FAST).awaitReady()) {
                bId = NodeProcess.json(NodeProcess.cli("identity", "--json", "--home", b.toString())).path("deviceId").asText();
                assertFalse(bId.isEmpty());
                NodeProcess.CliResult wrong = NodeProcess.cli("cloud", "add", "hub", address, "--code", "RZH-0000-0000-0000", "--home", a.toString());
                assertEquals(1, wrong.exitCode(), wrong.stdout());
                assertTrue(wrong.stderr().contains("claim code is wrong"), wrong.stderr());
                NodeProcess.CliResult add = NodeProcess.cli("cloud", "add", "hub", address, "--code", code, "--home", a.toString());
                assertEquals(0, add.exitCode(), add.stderr());
                assertTrue(add.stdout().startsWith("added hub-"), add.stdout());
                long claimedAt = System.nanoTime();
                JsonNode claimed = hub.await("is claimed by A, with B as a member", j -> !j.has("claimCode") && j.path("members").asInt() == 2);
                assertTrue(claimed.path("store").path("location").asText().startsWith(hub.home().toString()), "MapDB in the hub's home: " + claimed);
                JsonNode learned = awaitCloud(b, "B adds the hub it learned from A's mesh update, and a round through it goes through",
                        c -> c.path("kind").asText().equals("hub") && c.path("location").asText().equals(address)
                                && c.path("lastRound").isTextual() && c.path("lastError").isNull());
                bHub = learned.path("id").asText();
                System.out.printf("NodeHubTest: B used the hub it learned from A %.1f s after A's claim%n", (System.nanoTime() - claimedAt) / 1e9);
                assertTrue(Files.readString(b.resolve("logs/rhizome.log")).contains("as device " + NodeProcess.json(NodeProcess.cli("identity", "--json", "--home", a.toString())).path("deviceId").asText() + " uses it"),
                        "B's log says it learned the hub from A");
                nb.terminate();
                // B is down: A writes, and its rounds leave the change set on the hub
                long filesBefore = hub.await("holds A's first round", j -> j.path("files").asLong() > 0).path("files").asLong();
                assertEquals(0, NodeProcess.cli("put", "notes", "from-a", "\"" + MARKER + "\"", "--home", a.toString()).exitCode());
                java.time.Instant written = java.time.Instant.now();
                hub.await("holds A's batch file for B", j -> j.path("files").asLong() > filesBefore);
                // and a whole round of A's began after the write (a round that ends after it may have
                // begun before it): two rounds later than the write, both without an error
                JsonNode round = awaitCloud(a, "a round of A through the hub after the write", c -> c.path("kind").asText().equals("hub")
                        && c.path("lastRound").isTextual() && c.path("lastError").isNull()
                        && java.time.Instant.parse(c.path("lastRound").asText()).isAfter(written));
                java.time.Instant first = java.time.Instant.parse(round.path("lastRound").asText());
                awaitCloud(a, "a second round of A through the hub after the write", c -> c.path("kind").asText().equals("hub")
                        && c.path("lastRound").isTextual() && c.path("lastError").isNull()
                        && java.time.Instant.parse(c.path("lastRound").asText()).isAfter(first));
                na.terminate();
            }

            // A is down: B comes up and catches up from the hub only (the hub it learned is kept across its restart)
            try (NodeProcess nb = NodeProcess.start(b, FAST).awaitReady()) {
                NodeProcess.awaitValue(b, "notes", "from-a", "\"" + MARKER + "\"", WAIT);
                JsonNode peer = NodeProcess.json(NodeProcess.cli("status", "--json", "--home", b.toString())).path("sync").path("peers").get(0);
                assertFalse(peer.path("connected").asBoolean(), "A is down: " + peer);
                assertTrue(peer.path("lastSyncRoute").asText().startsWith("hub hub-"), "status names the hub route: " + peer);
                assertEquals("hub", peer.path("route").asText(), "the route in use for A is the hub: " + peer);
                // B removes the hub; A's mesh updates (A comes up and tells B once) do not bring it back
                NodeProcess.CliResult remove = NodeProcess.cli("cloud", "remove", bHub, "--home", b.toString());
                assertEquals(0, remove.exitCode(), remove.stderr());
                try (NodeProcess na = NodeProcess.start(a, FAST).awaitReady()) {
                    awaitLog(b, "B passes over the hub A still announces", "it was removed here");
                    JsonNode clouds = NodeProcess.json(NodeProcess.cli("cloud", "status", "--json", "--home", b.toString()));
                    assertEquals(0, clouds.path("clouds").size(), "the hub removed on B stays removed: " + clouds);
                    na.terminate();
                }
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
                // by hand, a removed hub can be added again: the hub refuses B now, with a sentence, and nothing is added
                NodeProcess.CliResult again = NodeProcess.cli("cloud", "add", "hub", address, "--home", b.toString());
                assertEquals(1, again.exitCode(), again.stdout());
                assertTrue(again.stderr().contains("was revoked from the mesh"), "B is told why: " + again.stderr());
                hub.await("refuses B", j -> j.path("refused").asLong() > refusedBefore);
                JsonNode clouds = NodeProcess.json(NodeProcess.cli("cloud", "status", "--json", "--home", b.toString()));
                assertEquals(0, clouds.path("clouds").size(), clouds.toString());
                nb.terminate();
            }

            hub.close();
            NodeProcess.CliResult stopped = NodeProcess.cli("hub", "status", "--home", hub.home().toString());
            assertEquals(3, stopped.exitCode(), stopped.stdout() + stopped.stderr());
            assertTrue(stopped.stdout().contains("not running; what it last wrote:") && stopped.stdout().matches("(?s).*members +1 \\(1 revoked\\).*"),
                    stopped.stdout());
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
            NodeProcess.CliResult notHub = NodeProcess.cli("hub", "status", "--home", a.toString());
            assertEquals(2, notHub.exitCode(), notHub.stdout());
            assertTrue(notHub.stderr().contains("is not the home of a hub"), notHub.stderr());
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

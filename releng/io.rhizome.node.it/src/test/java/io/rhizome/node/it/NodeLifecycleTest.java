package io.rhizome.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collections;
import java.util.List;
import java.util.stream.StreamSupport;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/** The real node product, started by the {@code rhizome} script, in its own process. */
class NodeLifecycleTest {

    @TempDir
    Path tmp;

    @Test
    void restApiNeedsTheKeyAndTheCliReportsStatusUntilSigterm() throws Exception {
        Path home = tmp.resolve("home");
        try (NodeProcess node = NodeProcess.start(home).awaitReady()) {
            Path apiFile = home.resolve("api.json");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(apiFile)),
                    "api.json holds the API key: owner-only");
            String key = node.apiJson().path("apiKey").asText();
            assertTrue(key.length() >= 32, "a long random key");

            HttpResponse<String> noKey = node.request("GET", "/api/v1/status", null);
            assertEquals(401, noKey.statusCode());
            assertTrue(NodeProcess.JSON.readTree(noKey.body()).path("message").asText().contains("X-API-Key"), noKey.body());
            HttpResponse<String> wrongKey = node.request("GET", "/api/v1/status", key + "x");
            assertEquals(401, wrongKey.statusCode());
            for (HttpResponse<String> refused : java.util.List.of(noKey, wrongKey)) {
                assertFalse(refused.body().contains(home.toRealPath().toString()), "a 401 names no path of the home: " + refused.body());
                assertFalse(refused.body().contains(tmp.toRealPath().toString()), refused.body());
            }
            // A CLI with a stale api.json (another home's, same port): one line, exit 3, neither home named.
            Path other = tmp.resolve("other");
            Files.createDirectories(other);
            Files.writeString(other.resolve("api.json"), "{\"port\":" + node.port() + ",\"apiKey\":\"stale-key\",\"pid\":1}");
            NodeProcess.CliResult stale = NodeProcess.cli("status", "--home", other.toString());
            assertEquals(3, stale.exitCode(), stale.stderr());
            assertEquals(1, stale.stderr().strip().lines().count(), stale.stderr());
            assertTrue(stale.stderr().contains("does not accept the key in api.json"), stale.stderr());
            assertFalse(stale.stderr().contains(home.toRealPath().toString()), stale.stderr());
            assertEquals(401, node.request("GET", "/api/v1/plugins", null).statusCode());

            HttpResponse<String> ok = node.request("GET", "/api/v1/status", key);
            assertEquals(200, ok.statusCode(), ok.body());
            JsonNode status = NodeProcess.JSON.readTree(ok.body());
            assertEquals(home.toRealPath().toString(), status.path("node").path("home").asText());
            assertEquals(node.process.pid(), status.path("node").path("pid").asLong());
            assertTrue(status.path("sync").has("state"), "sync status is always written: " + ok.body());

            HttpResponse<String> plugins = node.request("GET", "/api/v1/plugins", key);
            assertEquals(200, plugins.statusCode());
            JsonNode pluginList = NodeProcess.JSON.readTree(plugins.body()).path("plugins");
            for (String kind : List.of("encryption-provider", "sync-policy", "replica-store", "key-service")) {
                List<JsonNode> active = new java.util.ArrayList<>();
                pluginList.forEach(p -> {
                    if (p.path("kind").asText().equals(kind) && p.path("active").asBoolean()) {
                        active.add(p);
                    }
                });
                assertEquals(1, active.size(), "one active " + kind + ": " + plugins.body());
            }
            assertTrue(StreamSupport.stream(pluginList.spliterator(), false).anyMatch(p -> p.path("kind").asText().equals("encryption-provider")
                    && p.path("name").asText().equals("bc") && p.path("active").asBoolean()), "the bc provider (ranking 100) is active: " + plugins.body());
            assertEquals(404, node.request("GET", "/api/v1/nothing-here", key).statusCode());
            assertEquals(405, node.request("DELETE", "/api/v1/status", key).statusCode());

            NodeProcess.CliResult cli = NodeProcess.cli("status", "--home", home.toString());
            assertEquals(0, cli.exitCode(), cli.stderr());
            assertTrue(cli.stdout().startsWith("Rhizome node "), cli.stdout());
            assertTrue(cli.stdout().contains(home.toRealPath().toString()), cli.stdout());

            NodeProcess.CliResult json = NodeProcess.cli("status", "--home", home.toString(), "--json");
            assertEquals(0, json.exitCode(), json.stderr());
            assertEquals(node.process.pid(), NodeProcess.JSON.readTree(json.stdout()).path("node").path("pid").asLong());

            NodeProcess.CliResult pluginsCli = NodeProcess.cli("plugins", "--home", home.toString());
            assertEquals(0, pluginsCli.exitCode(), pluginsCli.stderr());
            assertTrue(pluginsCli.stdout().startsWith("KIND"), pluginsCli.stdout());
            assertTrue(pluginsCli.stdout().lines().anyMatch(l -> l.matches("encryption-provider\\s+bc\\s+yes\\s+io\\.rhizome\\.crypto\\.bc .*")),
                    "the CLI marks the active provider: " + pluginsCli.stdout());

            assertEquals(143, node.terminate(), "SIGTERM ends the JVM with 128+15 after the shutdown hook ran");
            assertFalse(Files.exists(apiFile), "a clean stop removes api.json");
            String log = Files.readString(home.resolve("logs/rhizome.log"));
            assertTrue(log.contains("Rhizome node ready"), log);
            assertTrue(log.contains("stopping the Rhizome node"), log);
            assertTrue(node.output().contains("Rhizome node ready"), "logs also go to stdout");
        }

        NodeProcess.CliResult after = NodeProcess.cli("status", "--home", home.toString());
        assertEquals(3, after.exitCode());
        assertEquals(1, after.stderr().strip().lines().count(), "one line: " + after.stderr());
        assertTrue(after.stderr().contains("no daemon is running"), after.stderr());
    }

    @Test
    void restApiListensOnLoopbackOnly() throws Exception {
        Path home = tmp.resolve("home");
        try (NodeProcess node = NodeProcess.start(home).awaitReady()) {
            int port = node.port();
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress address : Collections.list(nif.getInetAddresses())) {
                    if (address.isLoopbackAddress() || address.isLinkLocalAddress()) {
                        continue;
                    }
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress(address, port), 2000);
                        throw new AssertionError("the REST API answers on " + address + ":" + port);
                    } catch (java.io.IOException expected) {
                        // refused: not listening there
                    }
                }
            }
        }
    }

    @Test
    void killedDaemonLeavesAStaleFileThatTheCliAndTheNextDaemonHandle() throws Exception {
        Path home = tmp.resolve("home");
        try (NodeProcess node = NodeProcess.start(home).awaitReady()) {
            node.process.destroyForcibly().waitFor();
        }
        assertTrue(Files.exists(home.resolve("api.json")), "kill -9 leaves api.json behind");
        NodeProcess.CliResult stale = NodeProcess.cli("status", "--home", home.toString());
        assertEquals(3, stale.exitCode());
        assertTrue(stale.stderr().contains("no daemon is running"), stale.stderr());

        try (NodeProcess again = NodeProcess.start(home).awaitReady()) {
            assertEquals(again.process.pid(), again.apiJson().path("pid").asLong(), "the new daemon replaced the stale file");
            assertEquals(0, NodeProcess.cli("status", "--home", home.toString()).exitCode());
        }
    }

    @Test
    void aSecondDaemonOnTheSameHomeIsRefused() throws Exception {
        Path home = tmp.resolve("home");
        try (NodeProcess node = NodeProcess.start(home).awaitReady()) {
            NodeProcess.CliResult second = NodeProcess.cli("daemon", "--home", home.toString());
            assertNotEquals(0, second.exitCode());
            assertEquals(2, second.exitCode(), second.stderr());
            assertTrue(second.stderr().contains("already running"), second.stderr());
            assertEquals(1, second.stderr().strip().lines().count(), "one line: " + second.stderr());
            assertTrue(second.stderr().contains("already running for " + home.toRealPath() + " (pid " + node.process.pid() + ")"),
                    second.stderr());
            assertTrue(node.process.isAlive());
            assertEquals(node.process.pid(), node.apiJson().path("pid").asLong(), "the refused start left api.json alone");
            assertEquals(200, node.request("GET", "/api/v1/status", node.apiJson().path("apiKey").asText()).statusCode());
        }
    }

    @Test
    void aTakenRestPortStopsTheDaemonWithoutApiJson() throws Exception {
        Path home = tmp.resolve("home");
        Files.createDirectories(home);
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            Files.writeString(home.resolve("rhizome.properties"), "api.port=" + port + "\np2p.listen=/ip4/127.0.0.1/tcp/0\np2p.mdns=false\n");
            try (NodeProcess node = NodeProcess.start(home)) {
                int exit = node.awaitExit(NodeProcess.START_TIMEOUT);
                assertNotEquals(0, exit, node.output());
                assertEquals(1, exit, node.output());
                assertTrue(node.output().contains("the REST API cannot listen on 127.0.0.1:" + port
                        + ": another program is listening on it; set api.port in " + home.toRealPath().resolve("rhizome.properties")
                        + " to a free port, or to 0 to pick one"), node.output());
                assertFalse(Files.exists(home.resolve("api.json")), "no api.json for a node without REST API");
                assertFalse(node.output().contains("Rhizome node ready"), node.output());
            }
        }
    }

    @Test
    void anInterruptedWatchIsNoErrorInTheLog() throws Exception {
        Path home = NodeProcess.loopbackHome(tmp, "home");
        try (NodeProcess node = NodeProcess.start(home).awaitReady()) {
            Path watchOut = tmp.resolve("watch.out");
            Process watch = new ProcessBuilder(NodeProcess.ROOT.resolve("rhizome").toString(), "watch", "--home", home.toString())
                    .directory(NodeProcess.ROOT.toFile()).redirectErrorStream(true).redirectOutput(watchOut.toFile()).start();
            try {
                Path log = home.resolve("logs/rhizome.log");
                long deadline = System.nanoTime() + NodeProcess.START_TIMEOUT.toNanos();
                // Writes until the watch shows one (its stream is live), then until the daemon notices it went away.
                for (int i = 0; !Files.readString(log).contains("client of GET /api/v1/events went away"); i++) {
                    assertTrue(System.nanoTime() < deadline, "the daemon never noticed the watch went away:\n" + Files.readString(log));
                    assertEquals(0, NodeProcess.cli("put", "notes", "k" + i, "\"v\"", "--home", home.toString()).exitCode());
                    if (watch.isAlive() && Files.readString(watchOut).contains("notes/k")) {
                        watch.destroy(); // Ctrl-C
                        assertTrue(watch.waitFor(30, TimeUnit.SECONDS));
                    }
                }
                assertFalse(watch.isAlive());
                String text = Files.readString(log);
                assertFalse(text.lines().anyMatch(l -> l.contains(" ERROR ")), "no ERROR line:\n" + text);
                assertFalse(text.lines().anyMatch(l -> l.startsWith("\tat ")), "no stack trace:\n" + text);
            } finally {
                watch.destroyForcibly();
            }
        }
    }

    @Test
    void badPortConfigurationIsRefusedWithAClearMessage() throws Exception {
        Path home = tmp.resolve("home");
        Files.createDirectories(home);
        Files.writeString(home.resolve("rhizome.properties"), "api.port=http\n");
        NodeProcess.CliResult r = NodeProcess.cli("daemon", "--home", home.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.stderr().contains("api.port must be a number from 0 to 65535, not 'http'"), r.stderr());
        assertFalse(Files.exists(home.resolve("api.json")));
    }

    @Test
    void configuredPortIsUsed() throws Exception {
        Path home = tmp.resolve("home");
        Files.createDirectories(home);
        int free;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            free = s.getLocalPort();
        }
        Files.writeString(home.resolve("rhizome.properties"), "api.port=" + free + "\n");
        try (NodeProcess node = NodeProcess.start(home).awaitReady()) {
            assertEquals(free, node.port());
        }
    }

    @Test
    void cliWithoutADaemonSaysSoInOneLine() throws Exception {
        NodeProcess.CliResult r = NodeProcess.cli("status", "--home", tmp.resolve("nobody").toString());
        assertEquals(3, r.exitCode());
        assertEquals(1, r.stderr().strip().lines().count(), r.stderr());
        assertTrue(r.stderr().startsWith("rhizome: no daemon is running"), r.stderr());
        assertEquals("", r.stdout());
    }
}

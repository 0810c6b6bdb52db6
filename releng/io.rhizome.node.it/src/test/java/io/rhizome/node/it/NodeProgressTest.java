package io.rhizome.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Progress of a large backlog between two real daemons: B is down while A writes 2,000 change sets;
 * {@code rhizome sync --wait} on B, started while no peer is connected, waits for A, draws its
 * progress bar and returns only once B holds every one of them; B's status then shows the link's
 * counters and that it is caught up.
 */
class NodeProgressTest {

    static final int WRITES = 2_000;

    @TempDir
    Path tmp;

    @Test
    void syncWaitBlocksUntilTheBacklogHasArrived(TestReporter report) throws Exception {
        Path a = NodeProcess.loopbackHome(tmp, "a");
        Path b = NodeProcess.loopbackHome(tmp, "b");
        try (NodeProcess na = NodeProcess.start(a).awaitReady(); NodeProcess nb = NodeProcess.start(b).awaitReady()) {
            JsonNode invitation = NodeProcess.json(NodeProcess.cli("pair", "--no-wait", "--json", "--home", a.toString()));
            NodeProcess.CliResult join = NodeProcess.cli("join", invitation.path("code").asText(), "--addr",
                    invitation.path("addresses").get(0).asText(), "--home", b.toString());
            assertEquals(0, join.exitCode(), join.stderr());
            assertEquals(0, NodeProcess.cli("put", "notes", "first", "\"1\"", "--home", a.toString()).exitCode());
            NodeProcess.awaitValue(b, "notes", "first", "\"1\"", Duration.ofSeconds(60));
            assertEquals(143, nb.terminate());

            HttpClient http = HttpClient.newHttpClient();
            String key = na.apiJson().path("apiKey").asText();
            String value = "\"" + "v".repeat(200) + "\"";
            for (int i = 0; i < WRITES; i++) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + na.port() + "/api/v1/ns/notes/k" + i))
                        .header("X-API-Key", key).PUT(HttpRequest.BodyPublishers.ofString(value)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), r.body());
            }
            assertEquals(143, na.terminate());

            try (NodeProcess nb2 = NodeProcess.start(b).awaitReady()) {
                // B knows A but A is down: --wait waits for it, then for the backlog.
                Path err = Files.createTempFile(tmp, "sync-wait-", ".err");
                Process wait = new ProcessBuilder(NodeProcess.ROOT.resolve("rhizome").toString(), "sync", "--wait", "--timeout", "240",
                        "--home", b.toString()).directory(NodeProcess.ROOT.toFile()).redirectError(err.toFile()).start();
                try (NodeProcess na2 = NodeProcess.start(a).awaitReady()) {
                    assertTrue(wait.waitFor(300, TimeUnit.SECONDS), "sync --wait did not return");
                    String stdout = new String(wait.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    String stderr = Files.readString(err);
                    assertEquals(0, wait.exitValue(), stdout + stderr);
                    assertTrue(stdout.contains("caught up with 1 connected peer"), stdout);
                    assertTrue(stderr.contains("waiting for a paired peer to connect"), stderr);
                    // When --wait returns, the whole backlog is there.
                    JsonNode keys = NodeProcess.json(NodeProcess.cli("ls", "notes", "--json", "--home", b.toString()));
                    assertEquals(WRITES + 1, keys.path("keys").size(), "sync --wait returned before B held every change set");
                    JsonNode peer = NodeProcess.json(NodeProcess.cli("status", "--json", "--home", b.toString())).path("sync").path("peers").get(0);
                    JsonNode progress = peer.path("progress");
                    assertTrue(progress.path("caughtUp").asBoolean(), peer.toString());
                    assertEquals(0, progress.path("incoming").asLong(), peer.toString());
                    assertTrue(progress.path("changeSetsReceived").asLong() >= WRITES, peer.toString());
                    assertTrue(progress.path("bytesReceived").asLong() > WRITES * 200L, "the values crossed this link: " + peer);
                    List<String> bars = new ArrayList<>();
                    for (String part : stderr.split("\r")) {
                        if (part.contains("change sets")) {
                            bars.add(part.strip());
                        }
                    }
                    report.publishEntry("progress bar lines drawn", String.valueOf(bars.size()));
                    // kept for a person to look at (the README quotes it)
                    Files.writeString(NodeProcess.ROOT.resolve("releng/io.rhizome.node.it/target/sync-wait-progress.txt"),
                            String.join(System.lineSeparator(), bars) + System.lineSeparator() + stdout);
                    if (!bars.isEmpty()) {
                        report.publishEntry("last progress bar", bars.get(bars.size() - 1));
                    }
                } finally {
                    wait.destroyForcibly();
                }
            }
        }
    }
}

package io.rhizome.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data path of the real node: CLI and REST against a MapDB home, and survival of kill -9. */
class NodeDataTest {

    @TempDir
    Path tmp;

    @Test
    void putGetLsExportImportThroughTheCli() throws Exception {
        Path home = tmp.resolve("home");
        String h = home.toString();
        try (NodeProcess node = NodeProcess.start(home).awaitReady()) {
            assertEquals(0, NodeProcess.cli("ns", "create", "visits", "pn-counter", "--home", h).exitCode());
            assertEquals(0, NodeProcess.cli("put", "notes", "a", "\"hello\"", "--home", h).exitCode());
            assertEquals(0, NodeProcess.cli("put", "notes", "b", "{\"x\":[1,2]}", "--home", h).exitCode());
            assertEquals(0, NodeProcess.cli("mutate", "visits", "home", "{\"op\":\"increment\",\"by\":7}", "--home", h).exitCode());
            assertEquals("\"hello\"", NodeProcess.cli("get", "notes", "a", "--home", h).stdout().strip());
            assertEquals("a\nb", NodeProcess.cli("ls", "notes", "--home", h).stdout().strip());

            NodeProcess.CliResult wrongOp = NodeProcess.cli("put", "visits", "home", "3", "--home", h);
            assertEquals(1, wrongOp.exitCode());
            assertTrue(wrongOp.stderr().contains("pn-counter"), wrongOp.stderr());
            NodeProcess.CliResult badJson = NodeProcess.cli("put", "notes", "c", "{not json", "--home", h);
            assertEquals(2, badJson.exitCode());
            assertEquals(1, NodeProcess.cli("get", "notes", "c", "--home", h).exitCode(), "nothing was written");

            NodeProcess.CliResult badScope = NodeProcess.cli("ns", "create", "tasks", "lww-map", "--scope", "selective", "--predicate",
                    "field status ~ open", "--home", h);
            assertEquals(1, badScope.exitCode(), badScope.stdout());
            assertTrue(badScope.stderr().contains("malformed"), badScope.stderr());
            String listed = NodeProcess.cli("ls", "--home", h).stdout();
            assertTrue(listed.lines().anyMatch(l -> l.startsWith("tasks") && l.contains("no: ") && l.contains("malformed")), listed);
            NodeProcess.CliResult putBroken = NodeProcess.cli("put", "tasks", "t", "{\"status\":\"open\"}", "--home", h);
            assertEquals(1, putBroken.exitCode(), "a namespace with a malformed declaration is not re-created by a write");
            assertTrue(putBroken.stderr().contains("unavailable"), putBroken.stderr());
            NodeProcess.CliResult goodScope = NodeProcess.cli("ns", "create", "tasks", "lww-map", "--scope", "selective", "--predicate",
                    "field status = open", "--home", h);
            assertEquals(0, goodScope.exitCode(), goodScope.stderr());
            assertEquals(0, NodeProcess.cli("ns", "delete", "tasks", "--home", h).exitCode());

            String export = NodeProcess.cli("export", "--home", h).stdout();
            assertEquals(5, export.strip().lines().count(), "two declarations, three entities: " + export);
            assertTrue(export.contains("{\"declaration\":{\"name\":\"visits\",\"crdtType\":\"pn-counter\",\"scope\":\"full\"}}"), export);
            assertTrue(export.contains("{\"declaration\":{\"name\":\"notes\",\"crdtType\":\"lww-register\",\"scope\":\"full\"}}"), export);
            assertTrue(export.indexOf("\"declaration\"") < export.indexOf("\"key\""), "declarations come first: " + export);
            assertTrue(export.contains("{\"namespace\":\"visits\",\"key\":\"home\",\"type\":\"pn-counter\",\"value\":7}"), export);

            Path file = tmp.resolve("import.jsonl");
            Files.writeString(file, "{\"namespace\":\"notes\",\"key\":\"a\",\"value\":\"imported\"}\n"
                    + "{\"namespace\":\"visits\",\"key\":\"home\",\"value\":10}\n"
                    + "{\"namespace\":\"notes\",\"key\":\"bad\"}\n"
                    + "{\"namespace\":\"notes\",\"key\":\"never\",\"value\":1}\n");
            NodeProcess.CliResult imp = NodeProcess.cli("import", file.toString(), "--home", h);
            assertEquals(1, imp.exitCode());
            assertTrue(imp.stderr().contains("line 3"), imp.stderr());
            assertTrue(imp.stderr().contains("nothing was imported"), imp.stderr());
            // One batch: the good lines before the bad one are not written either.
            assertEquals("\"hello\"", NodeProcess.cli("get", "notes", "a", "--home", h).stdout().strip(),
                    "no line of a file with a bad line is imported");
            assertEquals("7", NodeProcess.cli("get", "visits", "home", "--home", h).stdout().strip(), "the counter is unchanged");
            assertEquals(1, NodeProcess.cli("get", "notes", "never", "--home", h).exitCode(), "nothing from the bad line on");

            Files.writeString(file, "{\"namespace\":\"notes\",\"key\":\"a\",\"value\":\"imported\"}\n"
                    + "{\"namespace\":\"visits\",\"key\":\"home\",\"value\":10}\n");
            NodeProcess.CliResult fixed = NodeProcess.cli("import", file.toString(), "--home", h);
            assertEquals(0, fixed.exitCode(), fixed.stderr());
            assertEquals("\"imported\"", NodeProcess.cli("get", "notes", "a", "--home", h).stdout().strip());
            assertEquals("10", NodeProcess.cli("get", "visits", "home", "--home", h).stdout().strip(), "counter imported as +3");
        }
    }

    @Test
    void aKilledDaemonLosesNoAcknowledgedWriteAndAppliesNoneTwice() throws Exception {
        Path home = tmp.resolve("home");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        for (int round = 0; round < 3; round++) {
            try (NodeProcess node = NodeProcess.start(home).awaitReady()) {
                if (round == 0) {
                    assertEquals(0, NodeProcess.cli("ns", "create", "c", "g-counter", "--home", home.toString()).exitCode());
                }
                String key = node.apiJson().path("apiKey").asText();
                URI counter = URI.create("http://127.0.0.1:" + node.port() + "/api/v1/ns/c/n");
                long before = currentValue(http, counter, key);
                AtomicLong acked = new AtomicLong();
                AtomicBoolean stop = new AtomicBoolean();
                Thread writer = new Thread(() -> {
                    HttpRequest inc = HttpRequest.newBuilder(counter).header("X-API-Key", key)
                            .POST(HttpRequest.BodyPublishers.ofString("{\"op\":\"increment\",\"by\":1}")).timeout(Duration.ofSeconds(20)).build();
                    while (!stop.get()) {
                        try {
                            if (http.send(inc, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                                acked.incrementAndGet();
                            }
                        } catch (Exception e) {
                            return; // the daemon died under us: the in-flight write is unacknowledged
                        }
                    }
                });
                writer.start();
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (acked.get() < 200 + round * 100 && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                node.process.destroyForcibly().waitFor();
                stop.set(true);
                writer.join(30_000);
                try (NodeProcess again = NodeProcess.start(home).awaitReady()) {
                    String key2 = again.apiJson().path("apiKey").asText();
                    long after = currentValue(http, URI.create("http://127.0.0.1:" + again.port() + "/api/v1/ns/c/n"), key2);
                    long gained = after - before;
                    assertTrue(gained >= acked.get(), "round " + round + ": " + acked.get() + " acknowledged, only " + gained + " survived");
                    assertTrue(gained <= acked.get() + 1, "round " + round + ": " + gained + " applied for " + acked.get()
                            + " acknowledged (+1 in flight): something was applied twice");
                }
            }
        }
    }

    private static long currentValue(HttpClient http, URI uri, String key) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).header("X-API-Key", key).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 404) {
            return 0;
        }
        assertEquals(200, r.statusCode(), r.body());
        return NodeProcess.JSON.readTree(r.body()).path("value").asLong();
    }
}

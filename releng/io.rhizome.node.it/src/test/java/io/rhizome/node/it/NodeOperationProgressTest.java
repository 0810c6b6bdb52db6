package io.rhizome.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestReporter;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Progress of the node's long requests with real daemons: an import and an export as operation
 * records a second client sees in {@code status} while they run, their progress lines
 * ({@code ?progress=true}) and the CLI's bar on a terminal; the status stream; the stages of a
 * pairing on the inviter ({@code rhizome pair} waiting) and the joiner (the join operation).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeOperationProgressTest {

    static final int LINES = 30_000;

    /** Made here, not by {@code @TempDir}: the shared daemon's home must exist before the first test. */
    private Path tmp;

    /** One daemon for the import/export and the status stream tests (a start costs half a minute on a loaded machine). */
    private Path home;
    private NodeProcess node;

    @BeforeAll
    void startOne() throws Exception {
        tmp = Files.createTempDirectory("operation-progress-it-");
        home = NodeProcess.loopbackHome(tmp, "ops");
        node = NodeProcess.start(home).awaitReady();
    }

    @AfterAll
    void stopIt() throws Exception {
        if (node != null) {
            node.close();
        }
        if (tmp != null) {
            try (java.util.stream.Stream<Path> files = Files.walk(tmp)) {
                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static Path importFile(Path dir, int lines) throws Exception {
        StringBuilder b = new StringBuilder();
        b.append("{\"declaration\":{\"name\":\"bulk\",\"crdtType\":\"lww-register\",\"scope\":\"full\"}}\n");
        for (int i = 0; i < lines; i++) {
            b.append("{\"namespace\":\"bulk\",\"key\":\"k").append(i).append("\",\"type\":\"lww-register\",\"value\":\"value ").append(i)
                    .append("\"}\n");
        }
        Path f = dir.resolve("bulk-" + lines + ".jsonl");
        Files.writeString(f, b.toString());
        return f;
    }

    private List<JsonNode> lines(HttpResponse<java.io.InputStream> r) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            for (String l; (l = in.readLine()) != null;) {
                out.add(NodeProcess.JSON.readTree(l));
            }
        }
        return out;
    }

    private JsonNode status(NodeProcess node, String key) throws Exception {
        return NodeProcess.JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + "/api/v1/status"))
                .header("X-API-Key", key).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    private static JsonNode operation(JsonNode status, String kind) {
        for (JsonNode op : status.path("operations")) {
            if (op.path("kind").asText().equals(kind)) {
                return op;
            }
        }
        return null;
    }

    @Test
    void anImportAndAnExportAreSeenInStatusWhileTheyRunAndTellTheirProgress(TestReporter report) throws Exception {
        {
            String key = node.apiJson().path("apiKey").asText();
            Path file = importFile(tmp, LINES);
            long size = Files.size(file);

            // A second client polls status while the import runs: it sees the record move and end.
            List<JsonNode> seen = new CopyOnWriteArrayList<>();
            AtomicBoolean importing = new AtomicBoolean(true);
            Thread watcher = new Thread(() -> {
                long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
                while (importing.get() && System.nanoTime() < deadline) {
                    try {
                        JsonNode op = operation(status(node, key), "import");
                        if (op != null) {
                            seen.add(op);
                        }
                        Thread.sleep(20);
                    } catch (Exception e) {
                        return;
                    }
                }
            }, "status-watcher");
            watcher.start();
            HttpResponse<java.io.InputStream> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port()
                    + "/api/v1/import?progress=true")).header("X-API-Key", key).timeout(Duration.ofMinutes(5))
                    .POST(HttpRequest.BodyPublishers.ofFile(file)).build(), HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, r.statusCode());
            List<JsonNode> answer = lines(r);
            importing.set(false);
            watcher.join(30_000);

            JsonNode result = answer.get(answer.size() - 1);
            assertEquals(LINES, result.path("result").path("imported").asLong(), "the last line is the result: " + result);
            List<JsonNode> progress = answer.subList(0, answer.size() - 1).stream().map(n -> n.path("progress")).toList();
            assertTrue(progress.size() >= 2, "progress lines before the result: " + progress);
            assertEquals("reading", progress.get(0).path("phase").asText(), progress.get(0).toString());
            assertEquals(size, progress.get(0).path("totalBytes").asLong(), "the import knows its size in bytes from the start");
            JsonNode last = progress.get(progress.size() - 1);
            assertEquals("writing", last.path("phase").asText(), last.toString());
            assertEquals(LINES + 1, last.path("total").asLong(), "every line, the declaration too: " + last);
            assertEquals(LINES + 1, last.path("done").asLong(), last.toString());
            assertEquals(size, last.path("bytes").asLong(), "every byte of the file counted: " + last);
            for (int i = 1; i < progress.size(); i++) {
                JsonNode p = progress.get(i - 1);
                JsonNode q = progress.get(i);
                if (p.path("phase").equals(q.path("phase"))) {
                    assertTrue(q.path("done").asLong() >= p.path("done").asLong(), "counts never go back within a phase: " + p + " " + q);
                }
            }
            String id = last.path("id").asText();
            assertTrue(seen.stream().anyMatch(op -> op.path("id").asText().equals(id) && op.path("state").asText().equals("running")),
                    "a second client saw the import running in status: " + seen.size() + " looks");
            JsonNode after = operation(status(node, key), "import");
            assertEquals(id, after.path("id").asText());
            assertEquals("done", after.path("state").asText(), after.toString());
            assertEquals(LINES + 1, after.path("done").asLong(), after.toString());
            report.publishEntry("import of " + LINES + " lines (ms)", after.path("elapsedMillis").asText());
            report.publishEntry("status looks that saw it running", String.valueOf(seen.stream().filter(op -> op.path("state").asText().equals("running")).count()));

            // The export: its progress lines count entities of a total known before the first line.
            HttpResponse<java.io.InputStream> e = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port()
                    + "/api/v1/export?ns=bulk&progress=true")).header("X-API-Key", key).timeout(Duration.ofMinutes(5)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            List<JsonNode> exported = lines(e);
            List<JsonNode> eprogress = exported.stream().filter(n -> n.has("progress")).map(n -> n.path("progress")).toList();
            assertEquals(LINES, exported.stream().filter(n -> n.has("namespace")).count());
            assertTrue(eprogress.size() >= 2, eprogress.toString());
            assertEquals(LINES, eprogress.get(0).path("total").asLong(), "the total is known before the first entity: " + eprogress.get(0));
            JsonNode elast = eprogress.get(eprogress.size() - 1);
            assertEquals(LINES, elast.path("done").asLong(), elast.toString());
            assertTrue(elast.path("totalBytes").asLong() > size / 2, elast.toString());
            JsonNode exportOp = operation(status(node, key), "export");
            assertEquals("done", exportOp.path("state").asText(), exportOp.toString());

            // The CLI: its export file holds no progress line and equals the plain export.
            NodeProcess.CliResult cliExport = NodeProcess.cli("export", "--ns", "bulk", "--home", home.toString());
            assertEquals(0, cliExport.exitCode(), cliExport.stderr());
            assertFalse(cliExport.stdout().contains("\"progress\""), "progress lines stay out of the file");
            String plain = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + "/api/v1/export?ns=bulk"))
                    .header("X-API-Key", key).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertEquals(plain, cliExport.stdout());

            // On a terminal (script(1) gives the CLI a pty) the import draws a bar on standard error.
            Path again = importFile(tmp, 5_000);
            Process p = new ProcessBuilder("script", "-q", "-e", "-c", NodeProcess.ROOT.resolve("rhizome") + " import " + again
                    + " --home " + home, "/dev/null").directory(NodeProcess.ROOT.toFile()).redirectErrorStream(true).start();
            String tty = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(300, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), tty);
            assertTrue(tty.contains("imported 5000 entities"), tty);
            assertTrue(tty.contains("\r[") && tty.contains("lines,") && tty.contains("100% writing 5,001/5,001 lines"), "a bar redrawn in place: " + tty);
        }
    }

    @Test
    void pairShowsItsStagesAndTheMeshCatchUpOnBothSides(TestReporter report) throws Exception {
        Path a = NodeProcess.loopbackHome(tmp, "a");
        Path b = NodeProcess.loopbackHome(tmp, "b");
        try (NodeProcess na = NodeProcess.start(a).awaitReady(); NodeProcess nb = NodeProcess.start(b).awaitReady()) {
            String keyA = na.apiJson().path("apiKey").asText();
            // A backlog for the joiner: the mesh catch-up after the key agreement has something to count.
            for (int i = 0; i < 300; i++) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + na.port() + "/api/v1/ns/notes/n" + i))
                        .header("X-API-Key", keyA).PUT(HttpRequest.BodyPublishers.ofString("\"from A\"")).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), r.body());
            }
            Path out = tmp.resolve("pair.out");
            Path err = tmp.resolve("pair.err");
            Process pair = new ProcessBuilder(NodeProcess.ROOT.resolve("rhizome").toString(), "pair", "--home", a.toString())
                    .directory(NodeProcess.ROOT.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            JsonNode invitation = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (invitation == null) {
                assertTrue(System.nanoTime() < deadline, "no invitation within 60 s: " + Files.readString(err));
                JsonNode st = status(na, keyA);
                if (st.path("pairing").path("stage").asText().equals("waiting-for-joiner")) {
                    invitation = st.path("pairing");
                } else {
                    Thread.sleep(100);
                }
            }
            long joined = System.nanoTime();
            NodeProcess.CliResult join = NodeProcess.cli("join", invitation.path("code").asText(), "--addr",
                    invitation.path("addresses").get(0).asText(), "--home", b.toString());
            assertEquals(0, join.exitCode(), join.stderr());
            assertTrue(pair.waitFor(180, TimeUnit.SECONDS), "pair did not return after the joiner caught up");
            report.publishEntry("join started → pair returned, caught up (ms)", String.valueOf((System.nanoTime() - joined) / 1_000_000));
            String stdout = Files.readString(out);
            String stderr = Files.readString(err);
            assertEquals(0, pair.exitValue(), stdout + stderr);
            assertTrue(stdout.contains("Paired with device") && stdout.contains("Caught up with the new device."), stdout + stderr);
            assertTrue(stderr.contains("pair: waiting for the other device:"), "the waiting stage on standard error: " + stderr);
            assertEquals(300, NodeProcess.json(NodeProcess.cli("ls", "notes", "--json", "--home", b.toString())).path("keys").size(),
                    "caught up means B holds A's writes");

            JsonNode pairing = status(na, keyA).path("pairing");
            assertEquals("done", pairing.path("stage").asText(), pairing.toString());
            assertTrue(pairing.path("catchUp").path("caughtUp").asBoolean(), pairing.toString());
            assertTrue(pairing.path("catchUp").path("changeSetsSent").asLong() >= 300, pairing.toString());
            JsonNode bStatus = NodeProcess.json(NodeProcess.cli("status", "--json", "--home", b.toString()));
            JsonNode joinOp = operation(bStatus, "join");
            assertEquals("done", joinOp.path("state").asText(), bStatus.path("operations").toString());
            assertEquals("key-agreement", joinOp.path("phase").asText(), joinOp.toString());
            assertTrue(NodeProcess.cli("status", "--home", a.toString()).stdout().contains("pairing:  done (invitation used, joined by "),
                    "status names the stage");
        }
    }

    @Test
    void theStatusStreamPushesAChangeWithoutBeingAsked() throws Exception {
        {
            String key = node.apiJson().path("apiKey").asText();
            HttpResponse<java.io.InputStream> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port()
                    + "/api/v1/status/events")).header("X-API-Key", key).build(), HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, r.statusCode());
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
            List<String[]> events = new CopyOnWriteArrayList<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                    String event = null;
                    for (String l; (l = in.readLine()) != null;) {
                        if (l.startsWith("event: ")) {
                            event = l.substring(7);
                        } else if (l.startsWith("data: ") && event != null) {
                            events.add(new String[] { event, l.substring(6) });
                        }
                    }
                } catch (Exception gone) {
                    // the test closes the stream at its end
                }
            }, "status-stream-reader");
            reader.setDaemon(true);
            reader.start();
            awaitEvent(events, "status", "\"deviceId\"", Duration.ofSeconds(10));
            awaitEvent(events, "presence", "\"devices\"", Duration.ofSeconds(10));
            // an invitation changes the status: the stream sends it, nobody polls
            assertEquals(0, NodeProcess.cli("pair", "--no-wait", "--json", "--home", home.toString()).exitCode());
            awaitEvent(events, "status", "\"waiting-for-joiner\"", Duration.ofSeconds(5));
            assertEquals(0, NodeProcess.cli("presence", "set", "{\"viewing\":\"stream-test\"}", "--home", home.toString()).exitCode());
            awaitEvent(events, "presence", "stream-test", Duration.ofSeconds(5));
            r.body().close();
        }
    }

    private static void awaitEvent(List<String[]> events, String event, String contains, Duration bound) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (events.stream().noneMatch(e -> e[0].equals(event) && e[1].contains(contains))) {
            assertTrue(System.nanoTime() < deadline, "no '" + event + "' event with " + contains + " within " + bound + ": "
                    + events.stream().map(e -> e[0]).toList());
            Thread.sleep(20);
        }
    }
}

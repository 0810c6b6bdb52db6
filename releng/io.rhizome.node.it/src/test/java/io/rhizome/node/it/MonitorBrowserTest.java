package io.rhizome.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The sync monitor in a real browser (headless Debian Chromium driven by Playwright) against two
 * real daemons: the one-time login link, nothing without the session cookie, CSRF, pairing from
 * the page, the paired devices, and a write on the other daemon arriving in the live events.
 * Takes a screenshot of every view (into {@code target/monitor-screenshots}, and into the folder
 * named by {@code -Drhizome.screenshots=docs/monitor} to regenerate the README's).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MonitorBrowserTest {

    /** Short, so the test sees a link expire without waiting a minute. */
    static final long TOKEN_TTL_MILLIS = 4_000;
    static final Duration LIVE_EVENT_BOUND = Duration.ofSeconds(2);

    private Path tmp;
    private NodeProcess a;
    private NodeProcess b;
    private String aKey;
    private String bId;
    private Chromium chromium;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    void start() throws Exception {
        tmp = Files.createTempDirectory("monitor-it");
        Map<String, String> env = Map.of("RHIZOME_JAVA_OPTS", "-Drhizome.monitor.loginTokenMillis=" + TOKEN_TTL_MILLIS);
        a = NodeProcess.start(NodeProcess.loopbackHome(tmp, "a"), env);
        b = NodeProcess.start(NodeProcess.loopbackHome(tmp, "b"), env);
        a.awaitReady();
        b.awaitReady();
        aKey = a.apiJson().path("apiKey").asText();
        bId = NodeProcess.json(NodeProcess.cli("identity", "--json", "--home", b.home.toString())).path("deviceId").asText();
        chromium = Chromium.launch();
    }

    @AfterAll
    void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] { chromium, a, b }) {
            if (c != null) {
                c.close();
            }
        }
    }

    private JsonNode open(NodeProcess node) throws Exception {
        return NodeProcess.json(NodeProcess.cli("open", "--no-browser", "--json", "--home", node.home.toString()));
    }

    private String base(NodeProcess node) throws Exception {
        return "http://127.0.0.1:" + node.port();
    }

    /** Logs the browser's current profile in to A's monitor with a fresh link and waits for the page. */
    private void loginBrowser() throws Exception {
        chromium.run("context");
        JsonNode r = chromium.run("goto", "url", open(a).path("url").asText());
        assertEquals(200, r.path("status").asInt(), r.toString());
        chromium.run("waitFor", "selector", "body[data-ready=true]");
    }

    @Test
    @Order(1)
    void loginLinkWorksOnceAndOnlyOnce() throws Exception {
        String url = open(a).path("url").asText();
        assertTrue(url.startsWith(base(a) + "/monitor/login?token="), url);
        assertFalse(url.contains(aKey), "the login link does not carry the API key");

        chromium.run("context");
        JsonNode first = chromium.run("goto", "url", url);
        assertEquals(200, first.path("status").asInt(), first.toString());
        assertEquals(base(a) + "/monitor/", first.path("url").asText(), "the token leaves the address bar");
        chromium.run("waitFor", "selector", "body[data-ready=true]");
        String aId = NodeProcess.json(NodeProcess.cli("identity", "--json", "--home", a.home.toString())).path("deviceId").asText();
        chromium.run("waitForText", "selector", "#device", "text", aId.substring(0, 10));
        assertEquals("", chromium.run("eval", "js", "document.cookie").path("value").asText(), "the session cookie is HttpOnly");
        JsonNode page = chromium.run("content");
        assertFalse(page.path("html").asText().contains(aKey), "the page holds no API key");
        String script = http.send(HttpRequest.newBuilder(URI.create(base(a) + "/monitor/monitor.js")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertFalse(script.contains(aKey));

        chromium.run("context");
        JsonNode again = chromium.run("goto", "url", url);
        assertEquals(401, again.path("status").asInt(), "a used link is refused: " + again);
        assertTrue(chromium.run("text", "selector", "#message").path("text").asText().contains("used already"));

        JsonNode late = open(a);
        Instant expires = Instant.parse(late.path("expiresAt").asText());
        long deadline = System.nanoTime() + Duration.ofMillis(TOKEN_TTL_MILLIS + 10_000).toNanos();
        while (Instant.now().isBefore(expires.plusMillis(200))) {
            assertTrue(System.nanoTime() < deadline, "the clock did not pass the link's expiry");
            Thread.sleep(50);
        }
        JsonNode expired = chromium.run("goto", "url", late.path("url").asText());
        assertEquals(401, expired.path("status").asInt(), "an expired link is refused: " + expired);
    }

    @Test
    @Order(2)
    void withoutTheSessionCookieEveryPageAndApiCallIsRefused() throws Exception {
        List<String[]> calls = List.of(new String[] { "GET", "/monitor/" }, new String[] { "GET", "/monitor/monitor.js" },
                new String[] { "GET", "/monitor/monitor.css" }, new String[] { "GET", "/monitor/session" },
                new String[] { "GET", "/monitor/qr.svg?text=x" }, new String[] { "POST", "/monitor/logout" },
                new String[] { "GET", "/api/v1/status" }, new String[] { "GET", "/api/v1/peers" },
                new String[] { "GET", "/api/v1/events" }, new String[] { "GET", "/api/v1/status/events" },
                new String[] { "GET", "/api/v1/presence" }, new String[] { "GET", "/api/v1/plugins" },
                new String[] { "POST", "/api/v1/pair" }, new String[] { "GET", "/api/v1/ns/notes/x" });
        for (String cookie : new String[] { null, "rhizome_monitor_" + a.port() + "=forged" }) {
            for (String[] c : calls) {
                HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(base(a) + c[1])).timeout(Duration.ofSeconds(10))
                        .method(c[0], HttpRequest.BodyPublishers.noBody());
                if (cookie != null) {
                    req.header("Cookie", cookie);
                }
                HttpResponse<String> r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(401, r.statusCode(), c[0] + " " + c[1] + " with cookie " + cookie + ": " + r.body());
            }
        }
        chromium.run("context");
        JsonNode page = chromium.run("goto", "url", base(a) + "/monitor/");
        assertEquals(401, page.path("status").asInt());
        assertTrue(chromium.run("text", "selector", "#message").path("text").asText().contains("rhizome open"));

        // With a session: reads pass; a state-changing call needs the CSRF token and this page's origin.
        HttpResponse<String> login = http.send(HttpRequest.newBuilder(URI.create(open(a).path("url").asText())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(303, login.statusCode());
        String setCookie = login.headers().firstValue("Set-Cookie").orElseThrow();
        assertTrue(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"), setCookie);
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        assertEquals(200, send("GET", "/api/v1/status", cookie, null, null).statusCode());
        String csrf = NodeProcess.JSON.readTree(send("GET", "/monitor/session", cookie, null, null).body()).path("csrf").asText();
        assertFalse(csrf.isEmpty());
        assertEquals(403, send("POST", "/api/v1/pair", cookie, null, base(a)).statusCode(), "no CSRF token");
        assertEquals(403, send("POST", "/api/v1/pair", cookie, "wrong", base(a)).statusCode(), "a wrong CSRF token");
        assertEquals(403, send("POST", "/api/v1/pair", cookie, csrf, "http://evil.example").statusCode(), "another origin");
        assertEquals(201, send("POST", "/api/v1/pair", cookie, csrf, base(a)).statusCode(), "the page's own call");
        assertEquals(200, send("DELETE", "/api/v1/pair", cookie, csrf, base(a)).statusCode());
        assertEquals(200, send("POST", "/monitor/logout", cookie, csrf, base(a)).statusCode());
        assertEquals(401, send("GET", "/api/v1/status", cookie, null, null).statusCode(), "logged out");
    }

    private HttpResponse<String> send(String method, String path, String cookie, String csrf, String origin) throws Exception {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(base(a) + path)).timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody()).header("Cookie", cookie);
        if (csrf != null) {
            req.header("X-Rhizome-CSRF", csrf);
        }
        if (origin != null) {
            req.header("Origin", origin);
        }
        return http.send(req.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @Order(3)
    void pairFromThePageThenWatchTheOtherDevicesWritesArriveLive(org.junit.jupiter.api.TestReporter report) throws Exception {
        loginBrowser();
        chromium.run("click", "selector", "nav button[data-view=pairing]");
        chromium.run("click", "selector", "#pair-new");
        chromium.run("waitForText", "selector", "#pair-state", "text", "active");
        String code = chromium.run("text", "selector", "#pair-code").path("text").asText();
        assertTrue(code.matches("RZ-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}"), code);
        String addr = chromium.run("text", "selector", "#pair-addrs").path("text").asText().trim().split("\\s+")[0];
        assertEquals("image/svg+xml", chromium.run("eval", "js",
                "fetch(document.getElementById('pair-qr').src).then(r => r.headers.get('Content-Type'))").path("value").asText());
        screenshot("pairing");

        NodeProcess.CliResult join = NodeProcess.cli("join", code, "--addr", addr, "--home", b.home.toString());
        assertEquals(0, join.exitCode(), join.stderr() + join.stdout());
        chromium.run("waitForText", "selector", "#pair-with", "text", bId, "timeoutMs", 20_000);
        assertEquals("used", chromium.run("text", "selector", "#pair-state").path("text").asText());
        // the stages after the key agreement: the mesh catch-up with the new device, then done
        chromium.run("waitFor", "selector", "#pair-stage[data-stage=done]", "timeoutMs", 30_000);
        assertTrue(chromium.run("text", "selector", "#pair-catchup-text").path("text").asText().startsWith("caught up"));

        chromium.run("click", "selector", "nav button[data-view=devices]");
        chromium.run("waitFor", "selector", "#devices-rows tr[data-device='" + bId + "'][data-connected=true]", "timeoutMs", 30_000);
        screenshot("devices");

        chromium.run("click", "selector", "nav button[data-view=events]");
        chromium.run("waitFor", "selector", "#events-state[data-live=true]");
        for (int i = 1; i <= 3; i++) {
            String key = "live-" + i;
            assertEquals(0, NodeProcess.cli("put", "notes", key, "\"written on B\"", "--home", b.home.toString()).exitCode());
            long written = System.nanoTime();
            JsonNode seen = chromium.send("waitForText", "selector", "#events-list li[data-key='" + key + "'][data-origin=remote]",
                    "text", "written on B", "timeoutMs", LIVE_EVENT_BOUND.toMillis());
            long millis = (System.nanoTime() - written) / 1_000_000;
            assertTrue(seen.path("ok").asBoolean(), "the write on B did not appear in A's live events within " + LIVE_EVENT_BOUND + ": " + seen);
            assertTrue(millis <= LIVE_EVENT_BOUND.toMillis(), key + " appeared after " + millis + " ms");
            report.publishEntry(key + " from B's acknowledged write to A's page (ms)", String.valueOf(millis));
        }
        screenshot("events");

        chromium.run("click", "selector", "nav button[data-view=overview]");
        chromium.run("waitForText", "selector", "#overview-list dd[data-field=connected-peers]", "text", "1");
        screenshot("overview");
        chromium.run("click", "selector", "nav button[data-view=namespaces]");
        chromium.run("waitForText", "selector", "#ns-rows tr[data-ns=notes]", "text", "3");
        screenshot("namespaces");
        chromium.run("click", "selector", "nav button[data-view=plugins]");
        chromium.run("waitFor", "selector", "#plugin-rows tr[data-plugin='sync-policy/enterprise']");
        screenshot("plugins");
        chromium.run("waitFor", "selector", "#audit-tab:not([hidden])");
        chromium.run("click", "selector", "#audit-tab");
        chromium.run("waitUntil", "js", "document.getElementById('audit-note').textContent.length > 0"
                + " || document.querySelectorAll('#audit-rows tr').length > 0");
        screenshot("audit");
    }

    /** Pairs B with A by the CLI unless they are paired already (the pairing test pairs them from the page). */
    private void ensurePaired() throws Exception {
        JsonNode peers = NodeProcess.json(NodeProcess.cli("peers", "--json", "--home", a.home.toString()));
        if (!peers.path("peers").isEmpty()) {
            return;
        }
        JsonNode invitation = NodeProcess.json(NodeProcess.cli("pair", "--no-wait", "--json", "--home", a.home.toString()));
        NodeProcess.CliResult join = NodeProcess.cli("join", invitation.path("code").asText(), "--addr",
                invitation.path("addresses").get(0).asText(), "--home", b.home.toString());
        assertEquals(0, join.exitCode(), join.stderr());
    }

    static final int IMPORT_LINES = 30_000;

    @Test
    @Order(4)
    void theOverviewFollowsAnImportAndPresenceFromTheStatusStreamWithoutPolling() throws Exception {
        ensurePaired();
        loginBrowser();
        chromium.run("waitFor", "selector", "body[data-updates=live]", "timeoutMs", 10_000);
        // From here on the page may not ask for the status or the presence list: both are pushed.
        chromium.run("eval", "js", "performance.clearResourceTimings(), performance.setResourceTimingBufferSize(100000), true");

        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < IMPORT_LINES; i++) {
            lines.append("{\"namespace\":\"bulk\",\"key\":\"k").append(i).append("\",\"value\":\"v").append(i).append("\"}\n");
        }
        Path file = tmp.resolve("bulk.jsonl");
        Files.writeString(file, lines.toString());
        Process imp = new ProcessBuilder(NodeProcess.ROOT.resolve("rhizome").toString(), "import", file.toString(), "--home", a.home.toString())
                .directory(NodeProcess.ROOT.toFile()).redirectErrorStream(true).start();
        JsonNode running = chromium.send("waitFor", "selector", "#operations div[data-kind=import][data-state=running]", "timeoutMs", 60_000);
        JsonNode done = chromium.send("waitFor", "selector", "#operations div[data-kind=import][data-state=done]", "timeoutMs", 180_000);
        String output = new String(imp.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(imp.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) && imp.exitValue() == 0, output);
        assertTrue(running.path("ok").asBoolean(), "the page showed the import running: " + running);
        assertTrue(done.path("ok").asBoolean(), "the page showed the import done: " + done);
        chromium.run("waitFor", "selector", "#operations div[data-kind=import][data-state=done][data-done='" + IMPORT_LINES + "']");
        assertTrue(chromium.run("text", "selector", "#operations div[data-kind=import][data-state=done]").path("text").asText()
                .contains("import done: writing"), "the record's phase in the page");
        screenshot("operations");

        NodeProcess.CliResult set = NodeProcess.cli("presence", "set", "{\"name\":\"laptop\",\"viewing\":\"import\"}", "--ttl", "30",
                "--home", b.home.toString());
        assertEquals(0, set.exitCode(), set.stderr());
        JsonNode seen = chromium.send("waitForText", "selector", "#presence span[data-device='" + bId + "']", "text", "laptop · import",
                "timeoutMs", 3_000);
        assertTrue(seen.path("ok").asBoolean(), "B's presence did not reach A's strip within 3 s by the stream: " + seen);
        assertEquals(0, NodeProcess.cli("presence", "clear", "--home", b.home.toString()).exitCode());
        JsonNode gone = chromium.send("waitFor", "selector", "#presence span[data-device='" + bId + "']", "state", "detached",
                "timeoutMs", 3_000);
        assertTrue(gone.path("ok").asBoolean(), "B's cleared presence did not leave A's strip within 3 s: " + gone);

        JsonNode polled = chromium.run("eval", "js", "performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname)"
                + ".filter((p) => p === '/api/v1/status' || p === '/api/v1/presence')");
        assertEquals(0, polled.path("value").size(), "the page polled although the status stream was live: " + polled);
    }

    @Test
    @Order(5) // last: it stops B
    void presenceOfTheSecondDeviceAppearsInTheStripAndExpiresWhenItStops() throws Exception {
        ensurePaired();
        loginBrowser();
        long connectDeadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (NodeProcess.json(NodeProcess.cli("status", "--json", "--home", a.home.toString())).path("sync").path("connectedPeers").asInt() == 0) {
            assertTrue(System.nanoTime() < connectDeadline, "A and B did not connect within 30 s");
            Thread.sleep(200);
        }
        NodeProcess.CliResult set = NodeProcess.cli("presence", "set", "{\"name\":\"desk\",\"viewing\":\"notes\"}", "--ttl", "2",
                "--home", b.home.toString());
        assertEquals(0, set.exitCode(), set.stderr());
        long published = System.nanoTime();
        JsonNode seen = chromium.send("waitFor", "selector", "#presence span[data-device='" + bId + "']", "timeoutMs", 3_000);
        assertTrue(seen.path("ok").asBoolean(), "B's presence did not appear in A's strip within 3 s (1 s to reach A, 1 s page poll): " + seen);
        long millis = (System.nanoTime() - published) / 1_000_000;
        assertTrue(chromium.run("text", "selector", "#presence span[data-device='" + bId + "']").path("text").asText().contains("desk · notes"));
        JsonNode listed = NodeProcess.json(NodeProcess.cli("presence", "--json", "--home", a.home.toString()));
        assertTrue(listed.path("devices").toString().contains(bId), listed.toString());
        assertTrue(millis <= 3_000, "appeared after " + millis + " ms");
        screenshot("presence");

        assertEquals(143, b.terminate(), "B stops cleanly");
        JsonNode gone = chromium.send("waitFor", "selector", "#presence span[data-device='" + bId + "']", "state", "detached",
                "timeoutMs", 6_000);
        assertTrue(gone.path("ok").asBoolean(), "B's presence did not expire from A's strip within its 2 s time to live + 4 s: " + gone);
    }

    /** A screenshot of the current view, kept in target/ and, with -Drhizome.screenshots=DIR, in DIR for the README. */
    private void screenshot(String view) throws Exception {
        Path dir = NodeProcess.ROOT.resolve("releng/io.rhizome.node.it/target/monitor-screenshots");
        Files.createDirectories(dir);
        Path file = dir.resolve(view + ".png");
        chromium.run("screenshot", "path", file.toString());
        byte[] png = Files.readAllBytes(file);
        assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', view + " screenshot is no PNG");
        String docs = System.getProperty("rhizome.screenshots");
        if (docs != null && !docs.isBlank()) {
            Path out = NodeProcess.ROOT.resolve(docs);
            Files.createDirectories(out);
            Files.copy(file, out.resolve(view + ".png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }
}

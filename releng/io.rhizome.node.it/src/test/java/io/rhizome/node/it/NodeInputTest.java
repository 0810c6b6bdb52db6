package io.rhizome.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Bad input to a real daemon, through the CLI and raw REST: refused with a sentence, nothing
 * written; and what is accepted — any non-empty Unicode key, values at the depth and size limits —
 * reads back, exports, re-imports and replicates exactly as acknowledged.
 */
class NodeInputTest {

    /** The limits the node documents (README "The node and the CLI"). */
    static final int MAX_DEPTH = 64;
    static final int MAX_VALUE_BYTES = 1024 * 1024;
    static final Duration SYNC_TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** A REST request with a raw (already encoded) path and a UTF-8 body. */
    private HttpResponse<String> rest(NodeProcess node, String method, String rawPath, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + rawPath))
                .timeout(Duration.ofSeconds(60)).header("X-API-Key", node.apiJson().path("apiKey").asText())
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body.getBytes(StandardCharsets.UTF_8)));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static NodeProcess.CliResult cli(Path home, String... args) throws Exception {
        String[] all = java.util.Arrays.copyOf(args, args.length + 2);
        all[args.length] = "--home";
        all[args.length + 1] = home.toString();
        return NodeProcess.cli(all);
    }

    private static NodeProcess.CliResult cliIn(Path home, String input, String... args) throws Exception {
        String[] all = java.util.Arrays.copyOf(args, args.length + 2);
        all[args.length] = "--home";
        all[args.length + 1] = home.toString();
        return NodeProcess.cliWithInput(input, all);
    }

    /** Asserts a one-sentence refusal: the exit code, a message containing {@code expected}, no markup, no null. */
    private static void assertRefused(NodeProcess.CliResult r, int exitCode, String expected) {
        assertEquals(exitCode, r.exitCode(), "stdout: " + r.stdout() + " stderr: " + r.stderr());
        assertTrue(r.stderr().contains(expected), r.stderr());
        assertFalse(r.stderr().contains("<") || r.stderr().strip().equals("rhizome: null"), r.stderr());
        assertEquals(1, r.stderr().strip().lines().count(), "one line: " + r.stderr());
    }

    static String nested(int depth) {
        return "[".repeat(depth) + "\"bottom\"" + "]".repeat(depth);
    }

    /** A JSON string of exactly {@code bytes} bytes, quotes included. */
    static String stringOfJsonSize(int bytes) {
        return "\"" + "x".repeat(bytes - 2) + "\"";
    }

    @Test
    void trailingGarbageIsRefusedEverywhereAndNothingIsStored() throws Exception {
        Path home = tmp.resolve("home");
        try (NodeProcess node = NodeProcess.start(home).awaitReady()) {
            assertRefused(cli(home, "put", "notes", "bad", "\"ok\" trailing"), 2, "not one valid JSON value");
            assertRefused(cli(home, "put", "notes", "bad", "1 2"), 2, "not one valid JSON value");
            assertRefused(cliIn(home, "{\"a\":1}{\"b\":2}", "put", "notes", "bad", "-"), 2, "not one valid JSON value");

            HttpResponse<String> r = rest(node, "PUT", "/api/v1/ns/notes/bad", "\"ok\" trailing");
            assertEquals(400, r.statusCode(), r.body());
            assertTrue(r.body().contains("not one valid JSON value"), r.body());
            assertEquals(400, rest(node, "PUT", "/api/v1/ns/notes/bad", "1 2").statusCode());
            assertEquals(400, rest(node, "POST", "/api/v1/ns/notes/bad", "{\"op\":\"set\",\"value\":1} {}").statusCode());

            Path file = tmp.resolve("trailing.jsonl");
            Files.writeString(file, "{\"namespace\":\"notes\",\"key\":\"first\",\"value\":1}\n"
                    + "{\"namespace\":\"notes\",\"key\":\"bad\",\"value\":2} extra\n");
            NodeProcess.CliResult imp = cli(home, "import", file.toString());
            assertRefused(imp, 1, "line 2");

            // An import is one batch: the good line before the bad one is not written either.
            assertEquals("", cli(home, "ls", "notes").stdout().strip(), "nothing of a file with a bad line is imported");
            assertNotEquals(0, cli(home, "get", "notes", "first").exitCode(), "the line before the bad one was not imported");
            assertNotEquals(0, cli(home, "get", "notes", "bad").exitCode());
        }
    }

    @Test
    void getAndDelOnAnUnknownNamespaceAre404AndCreateNothing() throws Exception {
        Path home = tmp.resolve("home");
        try (NodeProcess node = NodeProcess.start(home).awaitReady()) {
            assertRefused(cli(home, "del", "ghost", "k"), 1, "unknown namespace 'ghost'");
            assertRefused(cli(home, "get", "ghost", "k"), 1, "unknown namespace 'ghost'");
            HttpResponse<String> del = rest(node, "DELETE", "/api/v1/ns/ghost/k", null);
            assertEquals(404, del.statusCode(), del.body());
            assertTrue(del.body().contains("unknown_namespace"), del.body());
            assertEquals(404, rest(node, "GET", "/api/v1/ns/ghost/k", null).statusCode());

            assertFalse(cli(home, "ls").stdout().contains("ghost"), "no namespace was created");
            assertEquals("", cli(home, "export").stdout().strip(), "nothing was written");
        }
    }

    @Test
    void anyNonEmptyUnicodeKeyRoundTripsThroughPutGetLsDelExportAndImport() throws Exception {
        Path home = tmp.resolve("home");
        List<String> keys = List.of("a/b", "100%", "x\\y", "ключ 🚀", "..", ".", "a+b c?d#e;f", "%2F");
        try (NodeProcess node = NodeProcess.start(home).awaitReady()) {
            for (int i = 0; i < keys.size(); i++) {
                NodeProcess.CliResult put = cli(home, "put", "notes", keys.get(i), String.valueOf(i));
                assertEquals(0, put.exitCode(), keys.get(i) + ": " + put.stderr());
            }
            for (int i = 0; i < keys.size(); i++) {
                NodeProcess.CliResult get = cli(home, "get", "notes", keys.get(i));
                assertEquals(0, get.exitCode(), keys.get(i) + ": " + get.stderr());
                assertEquals(String.valueOf(i), get.stdout().strip(), keys.get(i));
            }
            assertEquals(keys.stream().sorted().toList(), cli(home, "ls", "notes").stdout().strip().lines().toList());
            HttpResponse<String> raw = rest(node, "GET", "/api/v1/ns/notes/a%2Fb", null);
            assertEquals(200, raw.statusCode(), raw.body());
            assertEquals("a/b", NodeProcess.JSON.readTree(raw.body()).path("key").asText());
            HttpResponse<String> unencoded = rest(node, "GET", "/api/v1/ns/notes/a/b", null);
            assertEquals(404, unencoded.statusCode(), unencoded.body());
            assertTrue(unencoded.body().contains("%2F"), "the answer says how to send a '/': " + unencoded.body());

            NodeProcess.CliResult export = cli(home, "export");
            assertEquals(0, export.exitCode(), export.stderr());
            assertEquals(keys.size(), export.stdout().strip().lines().filter(l -> l.startsWith("{\"namespace\"")).count(),
                    "one entity line per key (after the declaration lines): " + export.stdout());

            assertEquals(0, cli(home, "del", "notes", "a/b").exitCode());
            assertRefused(cli(home, "get", "notes", "a/b"), 1, "has no value");
            assertEquals(0, cli(home, "del", "notes", "ключ 🚀").exitCode());

            Path file = tmp.resolve("keys.jsonl");
            Files.writeString(file, export.stdout());
            NodeProcess.CliResult imp = cli(home, "import", file.toString());
            assertEquals(0, imp.exitCode(), imp.stderr());
            assertEquals("0", cli(home, "get", "notes", "a/b").stdout().strip(), "re-imported");
            assertEquals("3", cli(home, "get", "notes", "ключ 🚀").stdout().strip());
            assertEquals(export.stdout(), cli(home, "export").stdout(), "export, delete, import: the same export");

            // the empty key is refused everywhere, with a sentence
            assertRefused(cli(home, "get", "notes", ""), 2, "the key is empty");
            assertRefused(cli(home, "put", "notes", "", "1"), 2, "the key is empty");
            assertRefused(cli(home, "del", "notes", ""), 2, "the key is empty");
            assertRefused(cli(home, "put", "", "k", "1"), 2, "the namespace is empty");
            HttpResponse<String> emptyKey = rest(node, "PUT", "/api/v1/ns/notes/", "1");
            assertEquals(400, emptyKey.statusCode(), emptyKey.body());
            assertTrue(emptyKey.body().contains("the key is empty"), emptyKey.body());
            Files.writeString(file, "{\"namespace\":\"notes\",\"key\":\"\",\"value\":1}\n");
            assertRefused(cli(home, "import", file.toString()), 1, "line 1");
            assertEquals(keys.size(), cli(home, "ls", "notes").stdout().strip().lines().count(), "nothing was added");
        }
    }

    @Test
    void invalidUnicodeTooDeepAndTooLargeAreRefusedAndNothingIsWritten() throws Exception {
        Path home = tmp.resolve("home");
        try (NodeProcess node = NodeProcess.start(home).awaitReady()) {
            HttpResponse<String> surrogate = rest(node, "PUT", "/api/v1/ns/notes/s", "\"\\ud800x\"");
            assertEquals(400, surrogate.statusCode(), surrogate.body());
            assertTrue(surrogate.body().contains("lone UTF-16 surrogate"), surrogate.body());
            assertRefused(cli(home, "put", "notes", "s", "\"x\\udc00\""), 1, "lone UTF-16 surrogate");
            assertEquals(400, rest(node, "PUT", "/api/v1/ns/notes/s", "{\"\\udc00\":1}").statusCode());
            assertEquals(400, rest(node, "POST", "/api/v1/ns/notes/s", "{\"op\":\"set\",\"value\":[\"a\\udbff\"]}").statusCode());
            Path file = tmp.resolve("bad.jsonl");
            Files.writeString(file, "{\"namespace\":\"notes\",\"key\":\"k\\ud800\",\"value\":1}\n");
            assertRefused(cli(home, "import", file.toString()), 1, "line 1");
            Files.writeString(file, "{\"namespace\":\"n\\udfff\",\"key\":\"k\",\"value\":1}\n");
            assertRefused(cli(home, "import", file.toString()), 1, "line 1");

            assertRefused(cli(home, "put", "notes", "deep", nested(MAX_DEPTH + 1)), 1, "64 levels");
            HttpResponse<String> deep = rest(node, "PUT", "/api/v1/ns/notes/deep", nested(MAX_DEPTH + 1));
            assertEquals(400, deep.statusCode(), deep.body());
            HttpResponse<String> deeper = rest(node, "PUT", "/api/v1/ns/notes/deep", nested(5_000));
            assertEquals(400, deeper.statusCode(), deeper.body());
            assertTrue(deeper.body().contains("64 levels"), deeper.body());
            Files.writeString(file, "{\"namespace\":\"notes\",\"key\":\"deep\",\"value\":" + nested(MAX_DEPTH + 1) + "}\n");
            assertRefused(cli(home, "import", file.toString()), 1, "line 1");

            HttpResponse<String> large = rest(node, "PUT", "/api/v1/ns/notes/large", stringOfJsonSize(MAX_VALUE_BYTES + 1));
            assertEquals(413, large.statusCode(), large.body());
            assertTrue(large.body().contains("1 MiB"), large.body());
            assertRefused(cliIn(home, stringOfJsonSize(MAX_VALUE_BYTES + 1), "put", "notes", "large", "-"), 1, "1 MiB");

            assertFalse(cli(home, "ls").stdout().contains("notes"), "nothing was written: " + cli(home, "ls").stdout());
            assertEquals("", cli(home, "export").stdout().strip());
        }
    }

    @Test
    void valuesAtTheLimitsExportAndReimportIdentically() throws Exception {
        Path home = tmp.resolve("home");
        Path other = tmp.resolve("other");
        String deepest = nested(MAX_DEPTH);
        String largest = stringOfJsonSize(MAX_VALUE_BYTES);
        String astral = "\"emoji 😀, clef 𝄞, last 🎉\"";
        String exported;
        try (NodeProcess node = NodeProcess.start(home).awaitReady()) {
            assertEquals(0, cli(home, "put", "notes", "deep", deepest).exitCode());
            NodeProcess.CliResult big = cliIn(home, largest, "put", "notes", "large", "-");
            assertEquals(0, big.exitCode(), big.stderr());
            assertEquals(0, cli(home, "put", "notes", "astral", astral).exitCode());
            assertEquals(deepest, cli(home, "get", "notes", "deep").stdout().strip());
            assertEquals(largest, cli(home, "get", "notes", "large").stdout().strip());
            assertEquals(astral, cli(home, "get", "notes", "astral").stdout().strip());
            // a text grown past 1 MiB by two writes that each fit
            assertEquals(0, cli(home, "ns", "create", "docs", "text").exitCode());
            String half = "é😀".repeat(100_000); // 600,000 bytes of UTF-8
            for (int i = 0; i < 2; i++) {
                NodeProcess.CliResult w = cliIn(home, "{\"op\":\"insert\",\"index\":0,\"text\":\"" + half + "\"}", "mutate", "docs",
                        "readme", "-");
                assertEquals(0, w.exitCode(), w.stderr());
            }
            NodeProcess.CliResult export = cli(home, "export");
            assertEquals(0, export.exitCode(), export.stderr());
            exported = export.stdout();
            assertEquals(4, exported.strip().lines().filter(l -> l.startsWith("{\"namespace\"")).count(), "entity lines");
        }
        try (NodeProcess node = NodeProcess.start(other).awaitReady()) {
            assertEquals(0, cli(other, "ns", "create", "docs", "text").exitCode());
            Path file = tmp.resolve("limits.jsonl");
            Files.writeString(file, exported);
            NodeProcess.CliResult imp = cli(other, "import", file.toString());
            assertEquals(0, imp.exitCode(), imp.stderr());
            assertEquals(deepest, cli(other, "get", "notes", "deep").stdout().strip());
            assertEquals(largest, cli(other, "get", "notes", "large").stdout().strip());
            assertEquals(astral, cli(other, "get", "notes", "astral").stdout().strip());
            assertEquals(exported, cli(other, "export").stdout(), "the re-import exports byte for byte the same");
        }
    }

    /** Polls {@code rhizome get} until it prints {@code expected} (bounded). */
    private static void awaitValue(Path home, String ns, String key, String expected) throws Exception {
        long deadline = System.nanoTime() + SYNC_TIMEOUT.toNanos();
        NodeProcess.CliResult last = null;
        while (System.nanoTime() < deadline) {
            last = cli(home, "get", ns, key);
            if (last.exitCode() == 0 && last.stdout().strip().equals(expected)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(ns + "/" + key + " did not become the expected value on " + home + " within " + SYNC_TIMEOUT
                + "; last: " + (last == null ? "-" : last.exitCode() + " " + last.stderr()));
    }

    @Test
    void valuesAtTheLimitReachAPairedPeerByteIdenticalAndSurviveARestartOfTheWriter() throws Exception {
        Path a = NodeProcess.loopbackHome(tmp, "a");
        Path b = NodeProcess.loopbackHome(tmp, "b");
        String deepest = nested(MAX_DEPTH);
        String astral = "{\"🔑\":\"emoji 😀, clef 𝄞, flags 🇳🇴, last 🎉\"}";
        String astralKey = "ключ/🚀";
        NodeProcess nb = NodeProcess.start(b).awaitReady();
        try (nb) {
            try (NodeProcess na = NodeProcess.start(a).awaitReady()) {
                JsonNode invitation = NodeProcess.json(cli(a, "pair", "--no-wait", "--json"));
                String addr = invitation.path("addresses").get(0).asText();
                NodeProcess.CliResult join = cli(b, "join", invitation.path("code").asText(), "--addr", addr);
                assertEquals(0, join.exitCode(), join.stderr() + join.stdout() + "\n--- A ---\n" + na.output() + "\n--- B ---\n" + nb.output());

                assertEquals(0, cli(a, "put", "notes", "deep", deepest).exitCode());
                assertEquals(0, cli(a, "put", "notes", astralKey, astral).exitCode());
                awaitValue(b, "notes", "deep", deepest);
                awaitValue(b, "notes", astralKey, astral);
                HttpResponse<String> onA = rest(na, "GET", "/api/v1/ns/notes/" + encode(astralKey), null);
                HttpResponse<String> onB = rest(nb, "GET", "/api/v1/ns/notes/" + encode(astralKey), null);
                assertEquals(onA.body(), onB.body(), "the REST answers are byte-identical");
                assertEquals(143, na.terminate(), "SIGTERM ends the JVM with 128+15");
            }
            try (NodeProcess na = NodeProcess.start(a).awaitReady()) {
                assertEquals(deepest, cli(a, "get", "notes", "deep").stdout().strip(), "the writer reads it back after a restart");
                assertEquals(astral, cli(a, "get", "notes", astralKey).stdout().strip());
                assertEquals(astral, cli(b, "get", "notes", astralKey).stdout().strip());
            }
        }
    }

    private static String encode(String segment) {
        return java.net.URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }
}

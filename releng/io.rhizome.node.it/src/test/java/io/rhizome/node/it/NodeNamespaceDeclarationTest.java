package io.rhizome.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Namespace declarations between two real daemons over loopback libp2p (issue #10, cases 1, 2
 * and 4): a device that joins late receives every namespace, including one of a non-default type,
 * without a restart; a type change of a namespace with data is refused and its writes keep
 * reaching the peer; a malformed predicate keeps the namespace home.
 */
class NodeNamespaceDeclarationTest {

    static final Duration SYNC_TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    private static NodeProcess.CliResult ok(String... args) throws Exception {
        NodeProcess.CliResult r = NodeProcess.cli(args);
        assertEquals(0, r.exitCode(), String.join(" ", args) + ": " + r.stdout() + r.stderr());
        return r;
    }

    /** B joins A's mesh (pairing over loopback). */
    private static void pair(Path a, Path b, NodeProcess na, NodeProcess nb) throws Exception {
        JsonNode invitation = NodeProcess.json(NodeProcess.cli("pair", "--no-wait", "--json", "--home", a.toString()));
        NodeProcess.CliResult join = NodeProcess.cli("join", invitation.path("code").asText(), "--addr",
                invitation.path("addresses").get(0).asText(), "--home", b.toString());
        assertEquals(0, join.exitCode(), join.stderr() + join.stdout() + "\n--- A ---\n" + na.output() + "\n--- B ---\n" + nb.output());
    }

    /** Polls {@code rhizome get} until it prints {@code expected} (bounded). */
    private static void awaitValue(Path home, String ns, String key, String expected, NodeProcess... nodes) throws Exception {
        long deadline = System.nanoTime() + SYNC_TIMEOUT.toNanos();
        NodeProcess.CliResult last = null;
        while (System.nanoTime() < deadline) {
            last = NodeProcess.cli("get", ns, key, "--home", home.toString());
            if (last.exitCode() == 0 && last.stdout().strip().equals(expected)) {
                return;
            }
            Thread.sleep(200);
        }
        StringBuilder logs = new StringBuilder();
        for (NodeProcess n : nodes) {
            logs.append("\n--- node ---\n").append(n.output());
        }
        throw new AssertionError(ns + "/" + key + " did not become " + expected + " on " + home + " within " + SYNC_TIMEOUT + "; last: "
                + (last == null ? "-" : last.exitCode() + " " + last.stdout() + last.stderr()) + logs);
    }

    private static JsonNode namespace(Path home, String name) throws Exception {
        for (JsonNode n : NodeProcess.json(NodeProcess.cli("ls", "--json", "--home", home.toString())).path("namespaces")) {
            if (n.path("name").asText().equals(name)) {
                return n;
            }
        }
        return null;
    }

    @Test
    void aFreshDeviceReceivesEveryNamespaceIncludingOnesOfANonDefaultTypeWithoutARestart() throws Exception {
        Path a = NodeProcess.loopbackHome(tmp, "a");
        Path b = NodeProcess.loopbackHome(tmp, "b");
        String h = a.toString();
        try (NodeProcess na = NodeProcess.start(a).awaitReady()) {
            ok("ns", "create", "onlya", "pn-counter", "--home", h);
            for (int i = 0; i < 5; i++) {
                ok("mutate", "onlya", "c" + i, "{\"op\":\"increment\",\"by\":" + (i + 1) + "}", "--home", h);
            }
            ok("ns", "create", "tags", "or-set", "--home", h);
            ok("mutate", "tags", "t", "{\"op\":\"add\",\"value\":\"red\"}", "--home", h);
            for (int i = 0; i < 5; i++) {
                ok("put", "notes", "n" + i, "\"note " + i + "\"", "--home", h);
            }
            try (NodeProcess nb = NodeProcess.start(b).awaitReady()) {
                pair(a, b, na, nb);
                for (int i = 0; i < 5; i++) {
                    awaitValue(b, "onlya", "c" + i, String.valueOf(i + 1), na, nb);
                    awaitValue(b, "notes", "n" + i, "\"note " + i + "\"", na, nb);
                }
                awaitValue(b, "tags", "t", "[\"red\"]", na, nb);
                JsonNode onlya = namespace(b, "onlya");
                assertEquals("pn-counter", onlya.path("crdtType").asText(), onlya.toString());
                assertTrue(onlya.path("available").asBoolean(), onlya.toString());
                assertEquals("or-set", namespace(b, "tags").path("crdtType").asText());

                ok("mutate", "onlya", "c0", "{\"op\":\"increment\",\"by\":10}", "--home", b.toString());
                awaitValue(a, "onlya", "c0", "11", na, nb);
            }
        }
    }

    @Test
    void aTypeChangeOfANamespaceWithDataIsRefusedAndItsWritesKeepReachingThePeer() throws Exception {
        Path a = NodeProcess.loopbackHome(tmp, "a");
        Path b = NodeProcess.loopbackHome(tmp, "b");
        String h = a.toString();
        try (NodeProcess na = NodeProcess.start(a).awaitReady(); NodeProcess nb = NodeProcess.start(b).awaitReady()) {
            pair(a, b, na, nb);
            ok("put", "notes", "first", "\"one\"", "--home", h);
            awaitValue(b, "notes", "first", "\"one\"", na, nb);

            NodeProcess.CliResult retype = NodeProcess.cli("ns", "create", "notes", "pn-counter", "--home", h);
            assertEquals(1, retype.exitCode(), retype.stdout());
            assertTrue(retype.stderr().contains("namespace 'notes' holds lww-register data (1 entity)"), retype.stderr());
            assertEquals("lww-register", namespace(a, "notes").path("crdtType").asText());

            NodeProcess.CliResult delete = NodeProcess.cli("ns", "delete", "notes", "--home", h);
            assertEquals(1, delete.exitCode(), delete.stdout());
            assertTrue(delete.stderr().contains("holds data"), delete.stderr());

            ok("put", "notes", "second", "\"two\"", "--home", h);
            awaitValue(b, "notes", "second", "\"two\"", na, nb);
            ok("put", "notes", "back", "\"from B\"", "--home", b.toString());
            awaitValue(a, "notes", "back", "\"from B\"", na, nb);
        }
    }

    @Test
    void aMalformedPredicateKeepsTheNamespaceHome() throws Exception {
        Path a = NodeProcess.loopbackHome(tmp, "a");
        Path b = NodeProcess.loopbackHome(tmp, "b");
        String h = a.toString();
        try (NodeProcess na = NodeProcess.start(a).awaitReady(); NodeProcess nb = NodeProcess.start(b).awaitReady()) {
            pair(a, b, na, nb);
            NodeProcess.CliResult bad = NodeProcess.cli("ns", "create", "tasks", "lww-map", "--scope", "selective", "--predicate",
                    "field status ==== open", "--home", h);
            assertEquals(1, bad.exitCode(), bad.stdout());
            assertTrue(bad.stderr().contains("malformed"), bad.stderr());

            NodeProcess.CliResult put = NodeProcess.cli("put", "tasks", "t1", "{\"status\":\"open\",\"secret\":\"stays home\"}", "--home", h);
            assertEquals(1, put.exitCode(), put.stdout());
            assertTrue(put.stderr().contains("unavailable"), put.stderr());
            JsonNode tasks = namespace(a, "tasks");
            assertEquals(false, tasks.path("available").asBoolean(), tasks.toString());

            ok("put", "marker", "m", "\"sync works\"", "--home", h);
            awaitValue(b, "marker", "m", "\"sync works\"", na, nb);
            assertEquals(1, NodeProcess.cli("get", "tasks", "t1", "--home", b.toString()).exitCode(), "nothing of 'tasks' reached B");
            assertEquals(1, NodeProcess.cli("get", "tasks", "t1", "--home", h).exitCode(), "nothing of 'tasks' was written");

            ok("ns", "create", "tasks", "lww-map", "--scope", "selective", "--predicate", "field status = open", "--home", h);
            ok("mutate", "tasks", "t2", "{\"op\":\"set\",\"key\":\"status\",\"value\":\"open\"}", "--home", h);
            awaitValue(b, "tasks", "t2", "{\"status\":\"open\"}", na, nb);
        }
    }

    @Test
    void exportCarriesTheDeclarationsAndImportUsesThem() throws Exception {
        Path a = NodeProcess.loopbackHome(tmp, "a");
        Path c = NodeProcess.loopbackHome(tmp, "c");
        String export;
        try (NodeProcess na = NodeProcess.start(a).awaitReady()) {
            ok("ns", "create", "onlya", "pn-counter", "--home", a.toString());
            ok("mutate", "onlya", "k", "{\"op\":\"increment\",\"by\":4}", "--home", a.toString());
            ok("ns", "create", "open", "lww-map", "--scope", "selective", "--predicate", "field status = open", "--home", a.toString());
            ok("mutate", "open", "t", "{\"op\":\"set\",\"key\":\"status\",\"value\":\"open\"}", "--home", a.toString());
            export = ok("export", "--home", a.toString()).stdout();
        }
        assertTrue(export.contains("\"predicate\":\"field status = open\""), export);
        Path file = tmp.resolve("export.jsonl");
        java.nio.file.Files.writeString(file, export);
        Path legacy = tmp.resolve("legacy.jsonl");
        java.nio.file.Files.writeString(legacy, "{\"namespace\":\"old\",\"key\":\"k\",\"type\":\"pn-counter\",\"value\":3}\n");
        try (NodeProcess nc = NodeProcess.start(c).awaitReady()) {
            ok("import", file.toString(), "--home", c.toString());
            assertEquals("4", ok("get", "onlya", "k", "--home", c.toString()).stdout().strip());
            assertEquals("pn-counter", namespace(c, "onlya").path("crdtType").asText());
            JsonNode open = namespace(c, "open");
            assertEquals("selective", open.path("scope").asText(), open.toString());
            assertEquals("field status = open", open.path("predicate").asText(), open.toString());
            assertEquals("{\"status\":\"open\"}", ok("get", "open", "t", "--home", c.toString()).stdout().strip());

            // An export without declaration lines (older nodes): the line's type declares the namespace.
            ok("import", legacy.toString(), "--home", c.toString());
            assertEquals("pn-counter", namespace(c, "old").path("crdtType").asText());
            assertEquals("3", ok("get", "old", "k", "--home", c.toString()).stdout().strip());
        }
    }
}

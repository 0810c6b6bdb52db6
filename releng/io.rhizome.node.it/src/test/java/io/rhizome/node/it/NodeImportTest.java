package io.rhizome.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rhizome export} from one daemon, {@code rhizome import} into a fresh one: an or-map with
 * nested types and every other built-in type arrive with the same values (the fresh node's export
 * is the same, byte for byte), and the or-map's nested fields keep their types. An import whose
 * line a type refuses writes nothing, not the lines or declarations before it either; a delete the
 * type does not have is a 422 naming the type.
 */
class NodeImportTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path tmp;

    private static HttpResponse<String> rest(NodeProcess node, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + path))
                .header("X-API-Key", node.apiJson().path("apiKey").asText()).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void ok(HttpResponse<String> r) {
        assertTrue(r.statusCode() / 100 == 2, r.statusCode() + " " + r.body());
    }

    private static void mutate(NodeProcess node, String ns, String key, String intent) throws Exception {
        ok(rest(node, "POST", "/api/v1/ns/" + ns + "/" + URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20"), intent));
    }

    private static String get(Path home, String ns, String key) throws Exception {
        NodeProcess.CliResult r = NodeProcess.cli("get", ns, key, "--home", home.toString());
        assertEquals(0, r.exitCode(), ns + "/" + key + ": " + r.stderr());
        return r.stdout().strip();
    }

    @Test
    void anOrMapAndEveryBuiltInTypeRoundTripThroughExportAndImportIntoAFreshDaemon() throws Exception {
        Path a = NodeProcess.loopbackHome(tmp, "a");
        Path b = NodeProcess.loopbackHome(tmp, "b");
        Map<String, String> types = new LinkedHashMap<>();
        types.put("gc", "g-counter");
        types.put("pc", "pn-counter");
        types.put("gs", "g-set");
        types.put("os", "or-set");
        types.put("reg", "lww-register");
        types.put("mv", "mv-register");
        types.put("lm", "lww-map");
        types.put("om", "or-map");
        types.put("ls", "list");
        types.put("tx", "text");
        Path file = tmp.resolve("export.jsonl");
        String exported;
        try (NodeProcess na = NodeProcess.start(a).awaitReady()) {
            for (Map.Entry<String, String> t : types.entrySet()) {
                ok(rest(na, "POST", "/api/v1/ns", "{\"name\":\"" + t.getKey() + "\",\"crdtType\":\"" + t.getValue() + "\"}"));
            }
            mutate(na, "om", "doc", "{\"op\":\"update\",\"key\":\"views\",\"type\":\"pn-counter\",\"intent\":{\"op\":\"increment\",\"by\":3}}");
            mutate(na, "om", "doc", "{\"op\":\"update\",\"key\":\"tags\",\"type\":\"or-set\",\"intent\":{\"op\":\"add\",\"value\":\"x\"}}");
            mutate(na, "om", "doc", "{\"op\":\"update\",\"key\":\"title\",\"type\":\"text\",\"intent\":{\"op\":\"insert\",\"index\":0,\"text\":\"Hi 🚀\"}}");
            mutate(na, "om", "doc", "{\"op\":\"update\",\"key\":\"meta\",\"type\":\"or-map\",\"intent\":"
                    + "{\"op\":\"update\",\"key\":\"rev\",\"type\":\"g-counter\",\"intent\":{\"op\":\"increment\",\"by\":2}}}");
            mutate(na, "om", "doc", "{\"op\":\"update\",\"key\":\"gone\",\"type\":\"lww-register\",\"intent\":{\"op\":\"set\",\"value\":1}}");
            mutate(na, "om", "doc", "{\"op\":\"remove\",\"key\":\"gone\"}");
            mutate(na, "om", "a/b", "{\"op\":\"update\",\"key\":\"k\",\"type\":\"lww-register\",\"intent\":{\"op\":\"set\",\"value\":{\"deep\":[1,null]}}}");
            mutate(na, "gc", "k", "{\"op\":\"increment\",\"by\":4}");
            mutate(na, "pc", "k", "{\"op\":\"decrement\",\"by\":2}");
            mutate(na, "gs", "k", "{\"op\":\"add\",\"value\":{\"a\":1}}");
            mutate(na, "os", "k", "{\"op\":\"add\",\"value\":1}");
            mutate(na, "os", "k", "{\"op\":\"add\",\"value\":2}");
            mutate(na, "os", "k", "{\"op\":\"remove\",\"value\":1}");
            mutate(na, "reg", "k", "{\"op\":\"set\",\"value\":[\"r\"]}");
            mutate(na, "mv", "k", "{\"op\":\"set\",\"value\":\"m\"}");
            mutate(na, "lm", "k", "{\"op\":\"set\",\"key\":\"f\",\"value\":true}");
            mutate(na, "ls", "k", "{\"op\":\"insert\",\"index\":0,\"values\":[1,\"two\",null]}");
            mutate(na, "tx", "k", "{\"op\":\"insert\",\"index\":0,\"text\":\"héllo\"}");
            NodeProcess.CliResult export = NodeProcess.cli("export", "--home", a.toString());
            assertEquals(0, export.exitCode(), export.stderr());
            exported = export.stdout();
            assertTrue(exported.contains("\"views\":{\"type\":\"pn-counter\",\"value\":3}"), "the or-map export names nested types: " + exported);
            Files.writeString(file, exported);
        }
        try (NodeProcess nb = NodeProcess.start(b).awaitReady()) {
            NodeProcess.CliResult imp = NodeProcess.cli("import", file.toString(), "--home", b.toString());
            assertEquals(0, imp.exitCode(), imp.stderr());
            NodeProcess.CliResult again = NodeProcess.cli("export", "--home", b.toString());
            assertEquals(0, again.exitCode(), again.stderr());
            assertEquals(exported, again.stdout(), "the fresh daemon exports the same, byte for byte");
            assertEquals("{\"meta\":{\"rev\":2},\"tags\":[\"x\"],\"title\":\"Hi 🚀\",\"views\":3}", get(b, "om", "doc"));
            assertEquals("{\"k\":{\"deep\":[1,null]}}", get(b, "om", "a/b"));

            // the nested fields are what they were: a counter counts, a nested or-map's g-counter grows
            mutate(nb, "om", "doc", "{\"op\":\"update\",\"key\":\"views\",\"type\":\"pn-counter\",\"intent\":{\"op\":\"decrement\",\"by\":1}}");
            mutate(nb, "om", "doc", "{\"op\":\"update\",\"key\":\"meta\",\"type\":\"or-map\",\"intent\":"
                    + "{\"op\":\"update\",\"key\":\"rev\",\"type\":\"g-counter\",\"intent\":{\"op\":\"increment\",\"by\":1}}}");
            assertEquals("{\"meta\":{\"rev\":3},\"tags\":[\"x\"],\"title\":\"Hi 🚀\",\"views\":2}", get(b, "om", "doc"));

            // the same file again: the nested g-counter cannot go back from 3 to 2, so nothing of it is written
            NodeProcess.CliResult twice = NodeProcess.cli("import", file.toString(), "--home", b.toString());
            assertEquals(1, twice.exitCode(), twice.stdout());
            assertTrue(twice.stderr().contains("cannot decrease") && twice.stderr().contains("nothing was imported"), twice.stderr());
            assertEquals("{\"meta\":{\"rev\":3},\"tags\":[\"x\"],\"title\":\"Hi 🚀\",\"views\":2}", get(b, "om", "doc"));
        }
    }

    @Test
    void anImportATypeRefusesWritesNothingAndADeleteTheTypeLacksIsA422() throws Exception {
        Path home = NodeProcess.loopbackHome(tmp, "home");
        String h = home.toString();
        try (NodeProcess node = NodeProcess.start(home).awaitReady()) {
            ok(rest(node, "POST", "/api/v1/ns", "{\"name\":\"tags\",\"crdtType\":\"or-set\"}"));
            mutate(node, "tags", "k", "{\"op\":\"add\",\"value\":\"keep\"}");

            Path file = tmp.resolve("refused.jsonl");
            Files.writeString(file, "{\"declaration\":{\"name\":\"fresh\",\"crdtType\":\"lww-register\",\"scope\":\"full\"}}\n"
                    + "{\"namespace\":\"fresh\",\"key\":\"a\",\"type\":\"lww-register\",\"value\":\"first\"}\n"
                    + "{\"namespace\":\"tags\",\"key\":\"k\",\"type\":\"or-set\",\"value\":[\"keep\",\"more\"]}\n"
                    + "{\"namespace\":\"fresh\",\"key\":\"b\",\"type\":\"lww-register\",\"value\":2}\n"
                    + "{\"namespace\":\"counts\",\"key\":\"c\",\"type\":\"g-counter\",\"value\":\"not a number\"}\n");
            NodeProcess.CliResult imp = NodeProcess.cli("import", file.toString(), "--home", h);
            assertEquals(1, imp.exitCode(), imp.stdout());
            assertTrue(imp.stderr().contains("line 5") && imp.stderr().contains("'g-counter'") && imp.stderr().contains("integer"),
                    imp.stderr());
            assertTrue(imp.stderr().contains("nothing was imported"), "nothing was imported: " + imp.stderr());
            String listed = NodeProcess.cli("ls", "--home", h).stdout();
            assertTrue(listed.lines().noneMatch(l -> l.startsWith("fresh") || l.startsWith("counts")), "no namespace was declared: " + listed);
            assertEquals("[\"keep\"]", get(home, "tags", "k"), "the line before the refused one was not written");

            // Found by the REST fuzz target (tests/fuzz/regressions/rest-body): a declaration that
            // SyncService.declare refuses, after entity lines, stopped the import with those lines
            // written. Both kinds are refused now before anything is written.
            for (String declaration : List.of("{\"declaration\":{\"name\":\"newns\",\"crdtType\":\"jr-set\"}}",
                    "{\"declaration\":{\"name\":\"tags\",\"crdtType\":\"g-counter\"}}")) {
                Path late = tmp.resolve("late-declaration.jsonl");
                Files.writeString(late, "{\"namespace\":\"tags\",\"key\":\"k\",\"type\":\"or-set\",\"value\":[\"keep\",\"late\"]}\n"
                        + declaration + "\n");
                NodeProcess.CliResult refused = NodeProcess.cli("import", late.toString(), "--home", h);
                assertEquals(1, refused.exitCode(), refused.stdout());
                assertTrue(refused.stderr().contains("line 2") && refused.stderr().contains("nothing was imported"), refused.stderr());
                assertEquals("[\"keep\"]", get(home, "tags", "k"), "an entity line before a refused declaration was written: " + declaration);
                String names = NodeProcess.cli("ls", "--home", h).stdout();
                assertTrue(names.lines().noneMatch(l -> l.startsWith("newns")), "nothing was declared: " + names);
            }

            HttpResponse<String> del = rest(node, "DELETE", "/api/v1/ns/tags/k", null);
            assertEquals(422, del.statusCode(), del.body());
            assertTrue(del.body().contains("type 'or-set' does not support delete"), del.body());
            NodeProcess.CliResult cliDel = NodeProcess.cli("del", "tags", "k", "--home", h);
            assertEquals(1, cliDel.exitCode(), cliDel.stdout());
            assertTrue(cliDel.stderr().contains("does not support delete"), cliDel.stderr());
            assertEquals("[\"keep\"]", get(home, "tags", "k"), "a refused delete writes nothing");
        }
    }
}

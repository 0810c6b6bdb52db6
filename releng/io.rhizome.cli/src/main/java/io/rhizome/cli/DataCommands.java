package io.rhizome.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The data commands: ls, get, put, mutate, del, watch, export, import. */
final class DataCommands {

    private final Main.Invocation inv;
    private final ObjectMapper json;
    private final PrintStream out;
    private final PrintStream err;

    DataCommands(Main.Invocation inv, ObjectMapper json, PrintStream out, PrintStream err) {
        this.inv = inv;
        this.json = json;
        this.out = out;
        this.err = err;
    }

    int run(String command) throws DaemonClient.NoDaemonException {
        List<String> args = inv.words().subList(1, inv.words().size());
        return switch (command) {
            case "ls" -> ls(args);
            case "get" -> get(args);
            case "put" -> put(args);
            case "mutate" -> mutate(args);
            case "del" -> del(args);
            case "watch" -> watch(args);
            case "export" -> export(args);
            case "import" -> importFile(args);
            case "ns" -> ns(args);
            default -> Main.USAGE;
        };
    }

    /**
     * Percent-encodes a path segment: every byte but ASCII letters, digits, {@code -_~} — so
     * {@code /}, {@code %}, {@code \}, {@code .} and {@code ..} reach the daemon as part of the
     * key, never as path structure.
     */
    static String seg(String s) {
        StringBuilder b = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xFF;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '~') {
                b.append((char) c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16))).append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return b.toString();
    }

    /** A refusal for an empty namespace or key argument, or empty when both are given. */
    private java.util.Optional<Integer> emptyName(List<String> args, int count) {
        String[] what = {"namespace", "key"};
        for (int i = 0; i < count && i < args.size(); i++) {
            if (args.get(i).isEmpty()) {
                err.println("rhizome: the " + what[i] + " is empty; a " + what[i] + " is a non-empty string");
                return java.util.Optional.of(Main.USAGE);
            }
        }
        return java.util.Optional.empty();
    }

    private int usage(String text) {
        err.println("rhizome: usage: rhizome " + text);
        return Main.USAGE;
    }

    private DaemonClient client() throws DaemonClient.NoDaemonException {
        return DaemonClient.connect(inv.home(), json);
    }

    private int print(DaemonClient.Response r) {
        if (!r.ok()) {
            err.println("rhizome: " + DaemonClient.message(r.status(), r.body()));
            return Main.REFUSED;
        }
        out.println(r.body().toString());
        return Main.OK;
    }

    private int ls(List<String> args) throws DaemonClient.NoDaemonException {
        if (args.size() > 1) {
            return usage("ls [NS]");
        }
        if (args.isEmpty()) {
            DaemonClient.Response r = client().get("/v1/ns");
            if (!r.ok() || inv.jsonOutput()) {
                return print(r);
            }
            out.printf("%-24s %-14s %-11s %s%n", "NAMESPACE", "TYPE", "SCOPE", "AVAILABLE");
            for (JsonNode n : r.body().path("namespaces")) {
                out.printf("%-24s %-14s %-11s %s%n", n.path("name").asText(), n.path("crdtType").asText(), n.path("scope").asText(),
                        n.path("available").asBoolean() ? "yes" : "no: " + n.path("unavailableReason").asText());
                if (n.path("warning").isTextual()) {
                    out.printf("%-24s warning: %s%n", "", n.path("warning").asText());
                }
            }
            return Main.OK;
        }
        DaemonClient.Response r = client().get("/v1/ns/" + seg(args.get(0)));
        if (!r.ok() || inv.jsonOutput()) {
            return print(r);
        }
        for (JsonNode k : r.body().path("keys")) {
            out.println(k.asText());
        }
        return Main.OK;
    }

    private int ns(List<String> args) throws DaemonClient.NoDaemonException {
        String usage = "ns create NAME TYPE [--scope full|local-only|selective] [--predicate P] | ns delete NAME";
        if (args.size() >= 3 && args.get(0).equals("create")) {
            com.fasterxml.jackson.databind.node.ObjectNode body = json.createObjectNode();
            body.put("name", args.get(1));
            body.put("crdtType", args.get(2));
            for (String opt : args.subList(3, args.size())) {
                if (opt.startsWith("--scope=")) {
                    body.put("scope", opt.substring(8));
                } else if (opt.startsWith("--predicate=")) {
                    body.put("predicate", opt.substring(12));
                } else {
                    return usage(usage);
                }
            }
            DaemonClient.Response r = client().send("POST", "/v1/ns", body.toString().getBytes(StandardCharsets.UTF_8));
            if (!r.ok()) {
                return print(r);
            }
            out.println("declared namespace " + args.get(1) + " (" + args.get(2) + ")");
            return Main.OK;
        }
        if (args.size() == 2 && args.get(0).equals("delete")) {
            DaemonClient.Response r = client().send("DELETE", "/v1/ns/" + seg(args.get(1)), new byte[0]);
            if (!r.ok()) {
                return print(r);
            }
            out.println("withdrew the declaration of " + args.get(1) + " from the mesh");
            return Main.OK;
        }
        return usage(usage);
    }

    private int get(List<String> args) throws DaemonClient.NoDaemonException {
        if (args.size() != 2) {
            return usage("get NS KEY");
        }
        if (emptyName(args, 2).isPresent()) {
            return Main.USAGE;
        }
        DaemonClient.Response r = client().get("/v1/ns/" + seg(args.get(0)) + "/" + seg(args.get(1)));
        if (r.status() == 404 && r.body().has("value")) {
            err.println("rhizome: " + args.get(0) + "/" + args.get(1) + " has no value");
            return Main.REFUSED;
        }
        if (!r.ok() || inv.jsonOutput()) {
            return print(r);
        }
        out.println(r.body().path("value").toString());
        return Main.OK;
    }

    private byte[] jsonArg(String arg) throws IOException {
        byte[] bytes = arg.equals("-") ? System.in.readAllBytes() : arg.getBytes(StandardCharsets.UTF_8);
        json.readTree(bytes);
        return bytes;
    }

    private int put(List<String> args) throws DaemonClient.NoDaemonException {
        if (args.size() != 3) {
            return usage("put NS KEY JSON   (JSON '-' reads standard input; a string needs quotes: '\"text\"')");
        }
        return send("PUT", args, "put NS KEY JSON");
    }

    private int mutate(List<String> args) throws DaemonClient.NoDaemonException {
        if (args.size() != 3) {
            return usage("mutate NS KEY INTENT   e.g. rhizome mutate counters visits '{\"op\":\"increment\",\"by\":1}'");
        }
        return send("POST", args, "mutate NS KEY INTENT");
    }

    private int send(String method, List<String> args, String usage) throws DaemonClient.NoDaemonException {
        if (emptyName(args, 2).isPresent()) {
            return Main.USAGE;
        }
        byte[] body;
        try {
            body = jsonArg(args.get(2));
        } catch (IOException e) {
            String why = e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            int nl = why == null ? -1 : why.indexOf('\n');
            err.println("rhizome: not one valid JSON value: " + args.get(2) + " (" + (nl < 0 ? why : why.substring(0, nl))
                    + "; a string needs quotes: '\"text\"')");
            return Main.USAGE;
        }
        DaemonClient.Response r = client().send(method, "/v1/ns/" + seg(args.get(0)) + "/" + seg(args.get(1)), body);
        if (!r.ok()) {
            return print(r);
        }
        if (inv.jsonOutput()) {
            return print(r);
        }
        if (r.body().has("unreadable")) {
            // stored, but the value could not be read back for the answer (the store failed just after this commit)
            err.println("rhizome: " + r.body().path("unreadable").asText());
            return Main.OK;
        }
        out.println(r.body().path("value").toString());
        return Main.OK;
    }

    private int del(List<String> args) throws DaemonClient.NoDaemonException {
        if (args.size() != 2) {
            return usage("del NS KEY");
        }
        if (emptyName(args, 2).isPresent()) {
            return Main.USAGE;
        }
        DaemonClient.Response r = client().send("DELETE", "/v1/ns/" + seg(args.get(0)) + "/" + seg(args.get(1)), new byte[0]);
        return r.ok() ? Main.OK : print(r);
    }

    private String nsQuery(List<String> names) {
        return names.isEmpty() ? "" : "?ns=" + seg(String.join(",", names));
    }

    private int watch(List<String> args) throws DaemonClient.NoDaemonException {
        DaemonClient c = client();
        return c.stream("/v1/events" + nsQuery(args), line -> {
            if (line.startsWith("data: ")) {
                String data = line.substring(6);
                if (inv.jsonOutput()) {
                    out.println(data);
                } else {
                    try {
                        JsonNode e = json.readTree(data);
                        if (e.has("direction")) {
                            // A stream held back (with the reason) or flowing again, to or from a peer.
                            out.printf("%-6s %s %s|%s %s %s%s%n", e.has("reason") ? "HELD" : "FLOWS", e.path("direction").asText(),
                                    e.path("namespace").asText(), shortId(e.path("author").asText()),
                                    "outgoing".equals(e.path("direction").asText()) ? "to" : "from", shortId(e.path("peer").asText()),
                                    e.has("reason") ? ": " + e.path("reason").asText() : "");
                        } else if (e.has("origin")) {
                            out.printf("%-6s %s/%s = %s%n", e.path("origin").asText(), e.path("namespace").asText(), e.path("key").asText(),
                                    e.path("value").toString());
                        } else {
                            out.println(e.path("message").asText(data));
                        }
                    } catch (IOException ex) {
                        out.println(data);
                    }
                }
                out.flush();
            }
        }, err);
    }

    private static String shortId(String id) {
        return id.length() <= 12 ? id : id.substring(0, 12) + "…";
    }

    private int export(List<String> args) throws DaemonClient.NoDaemonException {
        List<String> names = new ArrayList<>();
        for (String a : args) {
            if (!a.startsWith("--ns=")) {
                return usage("export [--ns NS]...");
            }
            names.add(a.substring(5));
        }
        DaemonClient c = client();
        List<String> failures = new ArrayList<>();
        ProgressView bar = new ProgressView(err, "export", Terminal.stderr(), OperationProgress::text, OperationProgress::share).quietWhenShort();
        String query = nsQuery(names);
        int rc = c.stream("/v1/export" + query + (query.isEmpty() ? "?" : "&") + "progress=true", line -> {
            // the daemon marks an entity it could not export with an error line instead of leaving it out
            if (line.startsWith("{\"progress\"")) {
                try {
                    bar.show(json.readTree(line).path("progress"));
                } catch (IOException e) {
                    failures.add("unreadable progress line from the daemon: " + line);
                }
            } else if (line.startsWith("{\"error\"")) {
                try {
                    failures.add(json.readTree(line).path("message").asText(line));
                } catch (IOException e) {
                    failures.add(line);
                }
            } else {
                out.println(line);
            }
        }, err);
        out.flush();
        bar.end();
        for (String f : failures) {
            err.println("rhizome: " + f);
        }
        if (rc == Main.OK && !failures.isEmpty()) {
            err.println("rhizome: the export is incomplete: " + failures.size() + " entit" + (failures.size() == 1 ? "y" : "ies")
                    + " could not be exported (listed above)");
            return Main.REFUSED;
        }
        return rc;
    }

    private int importFile(List<String> args) throws DaemonClient.NoDaemonException {
        if (args.size() != 1) {
            return usage("import FILE   ('-' reads standard input)");
        }
        byte[] body;
        try {
            body = args.get(0).equals("-") ? System.in.readAllBytes() : Files.readAllBytes(Path.of(args.get(0)));
        } catch (NoSuchFileException e) {
            err.println("rhizome: no such file: " + args.get(0));
            return Main.USAGE;
        } catch (IOException e) {
            err.println("rhizome: cannot read " + args.get(0) + ": " + e.getMessage());
            return Main.USAGE;
        }
        // The daemon tells how far it got ({"progress":…} lines), drawn on standard error, then the result or the refusal.
        ProgressView bar = new ProgressView(err, "import", Terminal.stderr(), OperationProgress::text, OperationProgress::share).quietWhenShort();
        List<JsonNode> ends = new ArrayList<>();
        int rc = client().streamPost("/v1/import?progress=true", body, line -> {
            try {
                JsonNode n = json.readTree(line);
                if (n.has("progress")) {
                    bar.show(n.path("progress"));
                } else {
                    ends.add(n);
                }
            } catch (IOException e) {
                ends.add(json.createObjectNode().set("error", json.createObjectNode().put("message", "unreadable answer line: " + line)));
            }
        }, err);
        bar.end();
        if (rc != Main.OK) {
            return rc;
        }
        if (ends.isEmpty()) {
            err.println("rhizome: the daemon ended the import without a result; see its log");
            return Main.REFUSED;
        }
        JsonNode end = ends.get(ends.size() - 1);
        if (end.has("error")) {
            err.println("rhizome: " + end.path("error").path("message").asText());
            return Main.REFUSED;
        }
        out.println("imported " + end.path("result").path("imported").asLong() + " entities");
        return Main.OK;
    }

    static BufferedReader reader(java.io.InputStream in) {
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    }
}

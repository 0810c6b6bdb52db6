package io.rhizome.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code backup now|list|verify --to DIR} and {@code restore --from DIR}. The recovery words of a
 * restore are read from standard input only, never from the command line.
 */
final class BackupCommands {

    private static final String USAGE_LINE = "rhizome: usage: rhizome backup now|list|verify --to DIR"
            + " | rhizome restore --from DIR   (the 24 words are read from standard input)";

    private final Main.Invocation inv;
    private final ObjectMapper json;
    private final PrintStream out;
    private final PrintStream err;

    BackupCommands(Main.Invocation inv, ObjectMapper json, PrintStream out, PrintStream err) {
        this.inv = inv;
        this.json = json;
        this.out = out;
        this.err = err;
    }

    int run(String command) throws DaemonClient.NoDaemonException {
        List<String> args = inv.words().subList(1, inv.words().size());
        if (command.equals("restore")) {
            if (args.size() != 2 || !args.get(0).equals("--from")) {
                err.println(USAGE_LINE);
                return Main.USAGE;
            }
            return restore(Path.of(args.get(1)).toAbsolutePath().normalize());
        }
        if (args.size() != 3 || !args.get(1).equals("--to") || !List.of("now", "list", "verify").contains(args.get(0))) {
            err.println(args.size() == 1 && args.get(0).equals("now")
                    ? "rhizome: give the backup folder with --to DIR (a configured default target is not there yet)"
                    : USAGE_LINE);
            return Main.USAGE;
        }
        Path dir = Path.of(args.get(2)).toAbsolutePath().normalize();
        String path = switch (args.get(0)) {
            case "now" -> "/v1/backup";
            case "list" -> "/v1/backup/list";
            default -> "/v1/backup/verify";
        };
        DaemonClient.Response r = post(path, body(dir));
        if (!r.ok()) {
            err.println("rhizome: " + r.body().path("message").asText());
            return Main.REFUSED;
        }
        if (inv.jsonOutput()) {
            out.println(r.body().toString());
            return Main.OK;
        }
        if (args.get(0).equals("now")) {
            out.println("snapshot " + line(r.body()));
            return Main.OK;
        }
        for (JsonNode s : r.body().path("snapshots")) {
            out.println(line(s));
        }
        if (args.get(0).equals("verify")) {
            out.println(r.body().path("snapshots").size() + " snapshots checked: every chunk and every chain link is intact");
        }
        return Main.OK;
    }

    private int restore(Path dir) throws DaemonClient.NoDaemonException {
        err.println("Type or paste the 24 recovery words of the backup, then an empty line (or end of input):");
        StringBuilder words = new StringBuilder();
        try {
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null && !line.isBlank()) {
                words.append(line).append(' ');
            }
        } catch (IOException e) {
            err.println("rhizome: cannot read the words: " + e.getMessage());
            return Main.USAGE;
        }
        if (words.toString().isBlank()) {
            err.println("rhizome: no recovery words on standard input; nothing restored");
            return Main.USAGE;
        }
        ObjectNode body = body(dir);
        body.put("words", words.toString().strip());
        DaemonClient.Response r = post("/v1/restore", body);
        if (!r.ok()) {
            err.println("rhizome: " + r.body().path("message").asText());
            return Main.REFUSED;
        }
        if (inv.jsonOutput()) {
            out.println(r.body().toString());
            return Main.OK;
        }
        out.printf("restored snapshot %s (%d snapshots, %d change sets); this device has a new identity"
                + " (pair it again with your other devices) and keeps these recovery words%n", r.body().path("snapshot").asText(),
                r.body().path("snapshots").asInt(), r.body().path("changeSets").asLong());
        return Main.OK;
    }

    private ObjectNode body(Path dir) {
        ObjectNode body = json.createObjectNode();
        body.put("dir", dir.toString());
        return body;
    }

    private DaemonClient.Response post(String path, ObjectNode body) throws DaemonClient.NoDaemonException {
        return DaemonClient.connect(inv.home(), json).send("POST", path, body.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String line(JsonNode s) {
        return String.format("%s  %-11s  %s  %d change sets, %d chunks, %d bytes", s.path("id").asText(),
                s.path("full").asBoolean() ? "full" : "incremental", s.path("created").asText(),
                s.path("changeSets").asLong(), s.path("chunks").asInt(), s.path("bytes").asLong());
    }
}

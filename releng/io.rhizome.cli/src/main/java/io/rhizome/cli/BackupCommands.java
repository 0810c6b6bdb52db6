package io.rhizome.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code backup now|list|verify [--to TARGET]}, {@code backup prune [--to TARGET] [--keep last=N,hourly=H,daily=D,maxAge=AGE]}
 * and {@code restore --from TARGET}, a TARGET being a folder, {@code synced:DIR} or {@code gdrive:FOLDER}.
 * Without {@code --to} the node's configured target ({@code backup.to})
 * is used. The recovery words of a restore are read from standard input only, never from the command
 * line. A backup and a restore show their progress on standard error ({@link ProgressView}).
 */
final class BackupCommands {

    private static final String USAGE_LINE = "rhizome: usage: rhizome backup now|list|verify [--to TARGET]"
            + " | rhizome backup prune [--to TARGET] [--keep last=N,hourly=H,daily=D,maxAge=AGE]"
            + " | rhizome restore --from TARGET   (TARGET: DIR, synced:DIR or gdrive:FOLDER; the 24 words are read from standard input)";

    private final Main.Invocation inv;
    private final ObjectMapper json;
    private final PrintStream out;
    private final PrintStream err;
    /** The exit code of the last {@link #withProgress} that returned null. */
    private int failure = Main.REFUSED;

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
            return restore(args.get(1));
        }
        if (args.isEmpty() || !List.of("now", "list", "verify", "prune").contains(args.get(0))) {
            err.println(USAGE_LINE);
            return Main.USAGE;
        }
        String sub = args.get(0);
        ObjectNode body = json.createObjectNode();
        for (int i = 1; i < args.size(); i += 2) {
            String option = args.get(i);
            boolean known = option.equals("--to") || (sub.equals("prune") && option.equals("--keep"));
            if (!known || i + 1 >= args.size()) {
                err.println(known ? "rhizome: " + option + " needs a value" : USAGE_LINE);
                return Main.USAGE;
            }
            if (option.equals("--to")) {
                putTarget(body, args.get(i + 1));
            } else {
                String problem = keep(args.get(i + 1), body.putObject("keep"));
                if (problem != null) {
                    err.println("rhizome: " + problem);
                    return Main.USAGE;
                }
            }
        }
        String path = switch (sub) {
            case "now" -> "/v1/backup";
            case "list" -> "/v1/backup/list";
            case "prune" -> "/v1/backup/prune";
            default -> "/v1/backup/verify";
        };
        JsonNode result;
        if (sub.equals("now") && !inv.jsonOutput()) {
            result = withProgress(path, body, "backup");
            if (result == null) {
                return failure;
            }
        } else {
            DaemonClient.Response r = post(path, body);
            if (!r.ok()) {
                err.println("rhizome: " + r.body().path("message").asText());
                // The daemon calls the request bad (no folder, a retention it refuses): a usage error.
                return r.status() == 400 ? Main.USAGE : Main.REFUSED;
            }
            result = r.body();
        }
        if (inv.jsonOutput()) {
            out.println(result.toString());
            return Main.OK;
        }
        switch (sub) {
            case "now" -> out.println("snapshot " + line(result));
            case "prune" -> {
                result.path("deleted").forEach(s -> out.println("deleted " + line(s)));
                result.path("kept").forEach(s -> out.println("kept    " + line(s)));
                out.println(result.path("deleted").size() + " snapshots deleted, " + result.path("kept").size() + " kept");
            }
            default -> {
                for (JsonNode s : result.path("snapshots")) {
                    out.println(line(s));
                }
                if (sub.equals("verify")) {
                    out.println(result.path("snapshots").size() + " snapshots checked: every chunk and every chain link is intact");
                }
            }
        }
        return Main.OK;
    }

    /**
     * {@code gdrive:FOLDER}, {@code synced:/path} (a scheme, then a colon) go to the daemon as they
     * are; anything else is a folder, made absolute against the current directory.
     */
    static void putTarget(ObjectNode body, String spec) {
        if (spec.matches("[a-z][a-z0-9]{0,31}:.*")) {
            body.put("target", spec);
        } else {
            body.put("dir", Path.of(spec).toAbsolutePath().normalize().toString());
        }
    }

    /** Parses {@code last=N,hourly=H,daily=D,maxAge=AGE} into {@code keep}; returns the problem, or null. */
    static String keep(String spec, ObjectNode keep) {
        for (String part : spec.split(",", -1)) {
            String[] kv = part.split("=", 2);
            boolean age = kv.length == 2 && kv[0].strip().equals("maxAge");
            if (kv.length != 2 || !(age || List.of("last", "hourly", "daily").contains(kv[0].strip()))
                    || !kv[1].strip().matches(age ? "[0-9]{1,6}[smhd]" : "[0-9]{1,6}")) {
                return "--keep takes last=N,hourly=H,daily=D,maxAge=AGE (whole numbers, AGE like 90d, 12h; any of the four), not '"
                        + spec + "'";
            }
            if (age) {
                keep.put("maxAge", kv[1].strip());
            } else {
                keep.put(kv[0].strip(), Integer.parseInt(kv[1].strip()));
            }
        }
        return null;
    }

    private int restore(String from) throws DaemonClient.NoDaemonException {
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
        ObjectNode body = json.createObjectNode();
        putTarget(body, from);
        body.put("words", words.toString().strip());
        JsonNode r = withProgress("/v1/restore", body, "restore");
        if (r == null) {
            return failure;
        }
        if (inv.jsonOutput()) {
            out.println(r.toString());
            return Main.OK;
        }
        out.printf("restored snapshot %s (%d snapshots, %d change sets); this device has a new identity"
                + " (pair it again with your other devices) and keeps these recovery words%n", r.path("snapshot").asText(),
                r.path("snapshots").asInt(), r.path("changeSets").asLong());
        return Main.OK;
    }

    /**
     * Runs a backup or restore with {@code "progress":true}: progress lines go to the view, the last
     * line is the result (returned) or the error (printed; null returned).
     */
    private JsonNode withProgress(String path, ObjectNode body, String what) throws DaemonClient.NoDaemonException {
        body.put("progress", true);
        ProgressView view = new ProgressView(err, what, System.console() != null);
        List<JsonNode> ends = new ArrayList<>();
        int code = DaemonClient.connect(inv.home(), json).streamPost(path, body.toString().getBytes(StandardCharsets.UTF_8), l -> {
            try {
                JsonNode n = json.readTree(l);
                if (n.has("progress")) {
                    view.show(n.path("progress"));
                } else {
                    ends.add(n);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, err);
        view.end();
        if (code != Main.OK) {
            failure = code;
            return null;
        }
        failure = Main.REFUSED;
        if (ends.isEmpty()) {
            err.println("rhizome: the daemon ended the " + what + " without a result; see its log");
            return null;
        }
        JsonNode end = ends.get(ends.size() - 1);
        if (end.has("error")) {
            err.println("rhizome: " + end.path("error").path("message").asText());
            return null;
        }
        return end.path("result");
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

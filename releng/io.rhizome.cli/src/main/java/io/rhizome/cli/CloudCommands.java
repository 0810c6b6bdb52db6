package io.rhizome.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** {@code cloud add folder DIR}, {@code cloud add gdrive [--folder NAME]}, {@code cloud remove ID}, {@code cloud status}. */
final class CloudCommands {

    static final String USAGE = "rhizome: usage: rhizome cloud add folder DIR | rhizome cloud add gdrive [--folder NAME] | rhizome cloud remove ID | rhizome cloud status";

    private final Main.Invocation inv;
    private final ObjectMapper json;
    private final PrintStream out;
    private final PrintStream err;

    CloudCommands(Main.Invocation inv, ObjectMapper json, PrintStream out, PrintStream err) {
        this.inv = inv;
        this.json = json;
        this.out = out;
        this.err = err;
    }

    int run() throws DaemonClient.NoDaemonException {
        List<String> args = inv.words().subList(1, inv.words().size());
        if (args.size() == 1 && args.get(0).equals("status")) {
            return status();
        }
        if (args.size() == 2 && args.get(0).equals("remove")) {
            return remove(args.get(1));
        }
        if (args.size() == 3 && args.get(0).equals("add") && args.get(1).equals("folder")) {
            Path dir;
            try {
                dir = Path.of(args.get(2)).toAbsolutePath().normalize();
            } catch (InvalidPathException e) {
                err.println("rhizome: '" + args.get(2) + "' is not a path: " + e.getReason());
                return Main.USAGE;
            }
            return add("folder", dir.toString());
        }
        if (args.size() >= 2 && args.get(0).equals("add") && args.get(1).equals("gdrive")) {
            // Google Drive is not built yet: the daemon refuses the kind with the kinds it has.
            String folder = args.size() == 4 && args.get(2).equals("--folder") ? args.get(3) : "appDataFolder";
            if (args.size() != 2 && args.size() != 4) {
                err.println(USAGE);
                return Main.USAGE;
            }
            return add("gdrive", folder);
        }
        err.println(USAGE);
        return Main.USAGE;
    }

    private int add(String kind, String location) throws DaemonClient.NoDaemonException {
        ObjectNode body = json.createObjectNode().put("kind", kind).put("location", location);
        DaemonClient.Response r = DaemonClient.connect(inv.home(), json).send("POST", "/v1/cloud",
                body.toString().getBytes(StandardCharsets.UTF_8));
        if (!r.ok()) {
            err.println("rhizome: " + r.body().path("message").asText());
            return Main.REFUSED;
        }
        if (inv.jsonOutput()) {
            out.println(r.body().toString());
        } else {
            out.printf("added %s: %s %s%n", r.body().path("id").asText(), kind, r.body().path("location").asText());
        }
        return Main.OK;
    }

    private int remove(String id) throws DaemonClient.NoDaemonException {
        DaemonClient.Response r = DaemonClient.connect(inv.home(), json).send("DELETE", "/v1/cloud/" + DataCommands.seg(id), new byte[0]);
        if (!r.ok()) {
            err.println("rhizome: " + r.body().path("message").asText());
            return Main.REFUSED;
        }
        out.println("removed " + id + " (its files stay in the folder)");
        return Main.OK;
    }

    private int status() throws DaemonClient.NoDaemonException {
        DaemonClient.Response r = DaemonClient.connect(inv.home(), json).get("/v1/cloud");
        if (!r.ok()) {
            err.println("rhizome: " + r.body().path("message").asText());
            return Main.REFUSED;
        }
        if (inv.jsonOutput()) {
            out.println(r.body().toString());
            return Main.OK;
        }
        if (r.body().path("clouds").isEmpty()) {
            out.println("no cloud in use; add one with: rhizome cloud add folder DIR");
        }
        for (JsonNode c : r.body().path("clouds")) {
            out.printf("%s  %s %s  last round: %s%n", c.path("id").asText(), c.path("kind").asText(), c.path("location").asText(),
                    c.path("lastRound").asText("none yet"));
            if (!c.path("lastError").isNull() && !c.path("lastError").isMissingNode()) {
                out.println("  error: " + c.path("lastError").asText());
            }
            for (JsonNode p : c.path("peers")) {
                out.printf("  %s  last received: %s%s%n", p.path("deviceId").asText(), p.path("lastReceived").asText("never"),
                        p.path("problem").isTextual() ? "  (" + p.path("problem").asText() + ")" : "");
            }
        }
        return Main.OK;
    }
}

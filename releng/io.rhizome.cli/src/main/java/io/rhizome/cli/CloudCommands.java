package io.rhizome.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code cloud add folder DIR}, {@code cloud add gdrive [--folder NAME]}, {@code cloud add hub ADDRESS [--code CODE]},
 * {@code cloud remove ID}, {@code cloud status}.
 */
final class CloudCommands {

    static final String USAGE = "rhizome: usage: rhizome cloud add folder DIR | rhizome cloud add gdrive [--folder NAME] [--open] | rhizome cloud add hub ADDRESS [--code CODE] | rhizome cloud remove ID | rhizome cloud status";

    /** A little longer than the daemon waits for the consent (10 minutes), so that its own sentence comes first. */
    private static final long SIGN_IN_WAIT_MINUTES = 11;

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
        if ((args.size() == 3 || args.size() == 5) && args.get(0).equals("add") && args.get(1).equals("hub")) {
            // the claim code travels with the address; the daemon checks both and claims the hub with it
            if (args.size() == 5 && !args.get(3).equals("--code")) {
                err.println(USAGE);
                return Main.USAGE;
            }
            return add("hub", args.get(2) + (args.size() == 5 ? "#" + args.get(4) : ""));
        }
        if (args.size() >= 2 && args.get(0).equals("add") && args.get(1).equals("gdrive")) {
            String folder = "appDataFolder";
            boolean open = false;
            for (int i = 2; i < args.size(); i++) {
                if (args.get(i).equals("--open")) {
                    open = true;
                } else if (args.get(i).equals("--folder") && i + 1 < args.size()) {
                    folder = args.get(++i);
                } else {
                    err.println(USAGE);
                    return Main.USAGE;
                }
            }
            return signIn("gdrive", folder, open);
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

    /**
     * Starts the consent in the daemon (which listens for the browser's answer on 127.0.0.1),
     * prints the page to open, and waits until the daemon says the cloud is added or why not.
     */
    private int signIn(String kind, String location, boolean openBrowser) throws DaemonClient.NoDaemonException {
        ObjectNode body = json.createObjectNode().put("kind", kind).put("location", location);
        DaemonClient client = DaemonClient.connect(inv.home(), json);
        DaemonClient.Response r = client.send("POST", "/v1/cloud/signin", body.toString().getBytes(StandardCharsets.UTF_8));
        if (!r.ok()) {
            err.println("rhizome: " + r.body().path("message").asText());
            return Main.REFUSED;
        }
        String id = r.body().path("id").asText();
        String url = r.body().path("consentUrl").asText();
        out.println("Open this page in a browser on this computer and allow Rhizome to use your Google Drive:");
        out.println("  " + url);
        out.flush();
        if (openBrowser) {
            Browser.open(url, err);
        }
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(SIGN_IN_WAIT_MINUTES);
        while (System.nanoTime() < deadline) {
            DaemonClient.Response s = client.get("/v1/cloud/signin/" + DataCommands.seg(id));
            if (!s.ok()) {
                err.println("rhizome: " + s.body().path("message").asText());
                return Main.REFUSED;
            }
            String state = s.body().path("state").asText();
            if (state.equals("done")) {
                if (inv.jsonOutput()) {
                    out.println(s.body().toString());
                } else {
                    out.printf("added %s: %s %s%n", id, kind, location);
                }
                return Main.OK;
            }
            if (state.equals("failed")) {
                err.println("rhizome: " + s.body().path("error").asText());
                return Main.REFUSED;
            }
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Main.REFUSED;
            }
        }
        err.println("rhizome: no answer from the browser within " + SIGN_IN_WAIT_MINUTES + " minutes; run the command again");
        return Main.REFUSED;
    }

    private int remove(String id) throws DaemonClient.NoDaemonException {
        DaemonClient.Response r = DaemonClient.connect(inv.home(), json).send("DELETE", "/v1/cloud/" + DataCommands.seg(id), new byte[0]);
        if (!r.ok()) {
            err.println("rhizome: " + r.body().path("message").asText());
            return Main.REFUSED;
        }
        out.println("removed " + id + " (its files stay in the folder; a stored sign-in is deleted)");
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
            JsonNode st = c.path("storage");
            if (st.isObject()) {
                out.printf("  this device's files: %d batch files, %d snapshots, about %d bytes (retention %d min, budget %d MiB per device)%n",
                        st.path("batchFiles").asInt(), st.path("snapshotFiles").asInt(), st.path("bytes").asLong(),
                        st.path("retentionMillis").asLong() / 60_000, st.path("budgetBytes").asLong() >> 20);
            }
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

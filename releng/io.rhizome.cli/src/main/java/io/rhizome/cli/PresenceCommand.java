package io.rhizome.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** {@code presence} (who is present), {@code presence set JSON [--ttl S]}, {@code presence clear}. */
final class PresenceCommand {

    static final String USAGE = "rhizome: usage: rhizome presence | rhizome presence set JSON [--ttl SECONDS] | rhizome presence clear";

    private final Main.Invocation inv;
    private final ObjectMapper json;
    private final PrintStream out;
    private final PrintStream err;

    PresenceCommand(Main.Invocation inv, ObjectMapper json, PrintStream out, PrintStream err) {
        this.inv = inv;
        this.json = json;
        this.out = out;
        this.err = err;
    }

    int run() throws DaemonClient.NoDaemonException {
        List<String> args = inv.words().subList(1, inv.words().size());
        DaemonClient.Response r;
        if (args.isEmpty()) {
            r = DaemonClient.connect(inv.home(), json).get("/v1/presence");
        } else if (args.size() == 1 && args.get(0).equals("clear")) {
            r = DaemonClient.connect(inv.home(), json).send("DELETE", "/v1/presence", new byte[0]);
        } else if (args.get(0).equals("set") && (args.size() == 2 || args.size() == 4 && args.get(2).equals("--ttl"))) {
            ObjectNode body = json.createObjectNode();
            try {
                body.set("state", json.readTree(args.get(1)));
            } catch (IOException e) {
                err.println("rhizome: the state is not one JSON value: " + e.getMessage().split("\n")[0]);
                return Main.USAGE;
            }
            if (args.size() == 4) {
                try {
                    body.put("ttlSeconds", Long.parseLong(args.get(3)));
                } catch (NumberFormatException e) {
                    err.println("rhizome: --ttl takes whole seconds, not '" + args.get(3) + "'");
                    return Main.USAGE;
                }
            }
            r = DaemonClient.connect(inv.home(), json).send("PUT", "/v1/presence", body.toString().getBytes(StandardCharsets.UTF_8));
        } else {
            err.println(USAGE);
            return Main.USAGE;
        }
        if (!r.ok()) {
            err.println("rhizome: " + DaemonClient.message(r.status(), r.body()));
            return Main.REFUSED;
        }
        if (inv.jsonOutput()) {
            out.println(r.body().toString());
            return Main.OK;
        }
        if (r.body().path("devices").isEmpty()) {
            out.println("no device present (publish this one's state with: rhizome presence set '{\"name\":\"laptop\"}')");
        }
        for (JsonNode d : r.body().path("devices")) {
            out.printf("%s%s  %s  (until %s)%n", d.path("deviceId").asText(), d.path("self").asBoolean() ? " (this device)" : "",
                    d.path("state").toString(), d.path("expiresAt").asText());
        }
        return Main.OK;
    }
}

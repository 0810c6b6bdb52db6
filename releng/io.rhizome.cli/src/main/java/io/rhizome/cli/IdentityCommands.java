package io.rhizome.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code identity}, {@code recovery show} and {@code recovery verify}. Recovery words are read
 * from standard input only — never from the command line, where shell history and process
 * listings would keep them.
 */
final class IdentityCommands {

    private final Main.Invocation inv;
    private final ObjectMapper json;
    private final PrintStream out;
    private final PrintStream err;
    private final BufferedReader in;

    IdentityCommands(Main.Invocation inv, ObjectMapper json, PrintStream out, PrintStream err) {
        this.inv = inv;
        this.json = json;
        this.out = out;
        this.err = err;
        this.in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    }

    int run(String command) throws DaemonClient.NoDaemonException {
        List<String> args = inv.words().subList(1, inv.words().size());
        if (command.equals("identity")) {
            return identity();
        }
        if (args.size() == 1 && args.get(0).equals("show")) {
            return show();
        }
        if (args.size() == 1 && args.get(0).equals("verify")) {
            return verify();
        }
        err.println("rhizome: usage: rhizome recovery show | rhizome recovery verify   (the words are read from standard input)");
        return Main.USAGE;
    }

    private int identity() throws DaemonClient.NoDaemonException {
        DaemonClient.Response r = DaemonClient.connect(inv.home(), json).get("/v1/identity");
        if (!r.ok()) {
            err.println("rhizome: " + r.body().path("message").asText());
            return Main.REFUSED;
        }
        if (inv.jsonOutput()) {
            out.println(r.body().toString());
            return Main.OK;
        }
        out.printf("device id:   %s%n", r.body().path("deviceId").asText());
        out.printf("fingerprint: %s%n", r.body().path("fingerprint").asText());
        out.printf("mesh key:    epoch %d%n", r.body().path("meshEpoch").asLong());
        return Main.OK;
    }

    private int show() throws DaemonClient.NoDaemonException {
        err.println("This prints the 24-word recovery phrase of this node. Anyone who sees it can recover its backups.");
        err.print("Type 'show' to continue: ");
        err.flush();
        String answer;
        try {
            answer = in.readLine();
        } catch (IOException e) {
            answer = null;
        }
        if (answer == null || !answer.strip().equals("show")) {
            err.println("rhizome: not confirmed; nothing shown");
            return Main.REFUSED;
        }
        ObjectNode body = json.createObjectNode();
        body.put("confirm", true);
        DaemonClient.Response r = DaemonClient.connect(inv.home(), json).send("POST", "/v1/recovery/show",
                body.toString().getBytes(StandardCharsets.UTF_8));
        if (!r.ok()) {
            err.println("rhizome: " + r.body().path("message").asText());
            return Main.REFUSED;
        }
        int i = 1;
        for (JsonNode w : r.body().path("words")) {
            out.printf("%2d. %s%n", i++, w.asText());
        }
        return Main.OK;
    }

    private int verify() throws DaemonClient.NoDaemonException {
        err.println("Type or paste the 24 recovery words, then an empty line (or end of input):");
        StringBuilder words = new StringBuilder();
        try {
            String line;
            while ((line = in.readLine()) != null && !line.isBlank()) {
                words.append(line).append(' ');
            }
        } catch (IOException e) {
            err.println("rhizome: cannot read the words: " + e.getMessage());
            return Main.USAGE;
        }
        ObjectNode body = json.createObjectNode();
        body.put("words", words.toString().strip());
        DaemonClient.Response r = DaemonClient.connect(inv.home(), json).send("POST", "/v1/recovery/verify",
                body.toString().getBytes(StandardCharsets.UTF_8));
        if (!r.ok()) {
            err.println("rhizome: " + r.body().path("message").asText());
            return Main.REFUSED;
        }
        out.println("the recovery phrase is correct for this node");
        return Main.OK;
    }
}

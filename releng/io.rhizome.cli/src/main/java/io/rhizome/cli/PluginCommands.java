package io.rhizome.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/** {@code plugins install JAR} and {@code plugins uninstall NAME}: bundles added to a running node. */
final class PluginCommands {

    static final String USAGE = "rhizome: usage: rhizome plugins | rhizome plugins install JAR | rhizome plugins uninstall SYMBOLIC-NAME";

    private final Main main;
    private final Main.Invocation inv;
    private final PrintStream out;
    private final PrintStream err;

    PluginCommands(Main main, Main.Invocation inv, PrintStream out, PrintStream err) {
        this.main = main;
        this.inv = inv;
        this.out = out;
        this.err = err;
    }

    int run(DaemonClient client) throws DaemonClient.NoDaemonException {
        List<String> args = inv.words().subList(1, inv.words().size());
        if (args.size() == 2 && args.get(0).equals("install")) {
            return install(client, args.get(1));
        }
        if (args.size() == 2 && args.get(0).equals("uninstall")) {
            return uninstall(client, args.get(1));
        }
        err.println(USAGE);
        return Main.USAGE;
    }

    private int install(DaemonClient client, String file) throws DaemonClient.NoDaemonException {
        byte[] jar;
        try {
            jar = Files.readAllBytes(Path.of(file));
        } catch (NoSuchFileException e) {
            err.println("rhizome: no such file: " + file);
            return Main.USAGE;
        } catch (IOException | InvalidPathException e) {
            err.println("rhizome: cannot read " + file + ": " + e.getMessage());
            return Main.USAGE;
        }
        DaemonClient.Response r = client.send("POST", "/v1/plugins/install", jar);
        if (!r.ok()) {
            return main.refused(r);
        }
        return done(r.body());
    }

    private int uninstall(DaemonClient client, String name) throws DaemonClient.NoDaemonException {
        if (name.isEmpty()) {
            err.println(USAGE);
            return Main.USAGE;
        }
        DaemonClient.Response r = client.send("DELETE", "/v1/plugins/" + DataCommands.seg(name), new byte[0]);
        if (!r.ok()) {
            return main.refused(r);
        }
        return done(r.body());
    }

    private int done(JsonNode b) {
        out.printf("%s %s %s (bundle %d, %s)%n", b.path("symbolicName").asText(), b.path("version").asText(), b.path("action").asText(),
                b.path("bundleId").asLong(), b.path("state").asText());
        return Main.OK;
    }
}

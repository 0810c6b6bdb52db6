package io.rhizome.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * {@code rhizome open [--no-browser]}: asks the daemon for a one-time login link to its monitor
 * page, prints it and (unless {@code --no-browser}) hands it to the desktop's browser.
 */
final class OpenCommand {

    static final String USAGE = "rhizome: usage: rhizome open [--no-browser]";

    private final Main.Invocation inv;
    private final ObjectMapper json;
    private final PrintStream out;
    private final PrintStream err;

    OpenCommand(Main.Invocation inv, ObjectMapper json, PrintStream out, PrintStream err) {
        this.inv = inv;
        this.json = json;
        this.out = out;
        this.err = err;
    }

    int run() throws DaemonClient.NoDaemonException {
        List<String> args = inv.words().subList(1, inv.words().size());
        boolean browser = true;
        for (String a : args) {
            if (a.equals("--no-browser")) {
                browser = false;
            } else {
                err.println(USAGE);
                return Main.USAGE;
            }
        }
        DaemonClient client = DaemonClient.connect(inv.home(), json);
        DaemonClient.Response r = client.sendOutsideApi("POST", "/monitor/token");
        if (r.status() == 404) {
            err.println("rhizome: this daemon has no monitor (the io.rhizome.monitor bundle is not installed)");
            return Main.REFUSED;
        }
        if (!r.ok()) {
            err.println("rhizome: " + DaemonClient.message(r.status(), r.body()));
            return Main.REFUSED;
        }
        String url = client.origin() + r.body().path("loginPath").asText();
        if (inv.jsonOutput()) {
            out.println(json.createObjectNode().put("url", url).put("expiresAt", r.body().path("expiresAt").asText()));
        } else {
            out.println("Rhizome monitor (this link works once, until " + r.body().path("expiresAt").asText() + "):");
            out.println("  " + url);
        }
        if (browser) {
            String problem = launch(url);
            if (problem != null) {
                err.println("rhizome: could not open a browser (" + problem + "); open the link above yourself");
            }
        }
        return Main.OK;
    }

    /** Starts the desktop's URL opener; null when it started, else why not. */
    private static String launch(String url) {
        String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
        List<String> cmd = os.contains("mac") ? List.of("open", url)
                : os.contains("win") ? List.of("rundll32", "url.dll,FileProtocolHandler", url) : List.of("xdg-open", url);
        try {
            new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return null;
        } catch (IOException e) {
            return cmd.get(0) + ": " + e.getMessage();
        }
    }
}

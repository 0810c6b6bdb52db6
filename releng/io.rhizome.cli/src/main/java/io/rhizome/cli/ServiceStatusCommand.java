package io.rhizome.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * {@code rhizome hub status} and {@code rhizome relay status}: a hub and a relay have no REST API;
 * each writes what it is doing into its home ({@code hub.json}, {@code relay.json}) and holds the
 * home's lock file ({@code hub.lock}, {@code relay.lock}) with its pid while it runs. This reads
 * both: running (the pid in the lock is a live process started for this home), and a summary of the
 * json ({@code --json}: the file as it is, with {@code running} and {@code pid} added).
 *
 * <p>Exit codes: 0 running; 3 not running (the last summary is shown, marked so); 2 the home is
 * not a hub's (or relay's) home, or bad usage.
 */
final class ServiceStatusCommand {

    private final Main.Invocation inv;
    private final ObjectMapper json;
    private final PrintStream out;
    private final PrintStream err;

    ServiceStatusCommand(Main.Invocation inv, ObjectMapper json, PrintStream out, PrintStream err) {
        this.inv = inv;
        this.json = json;
        this.out = out;
        this.err = err;
    }

    int run(String kind) {
        if (inv.words().size() != 2 || !inv.words().get(1).equals("status")) {
            err.println("rhizome: usage: rhizome " + kind + " status [--home DIR] [--json] (and `./rhizome " + kind + " --home DIR` starts one)");
            return Main.USAGE;
        }
        Path home = inv.home();
        Path lock = home.resolve(kind + ".lock");
        Path file = home.resolve(kind + ".json");
        if (!Files.exists(lock) && !Files.exists(file)) {
            err.println("rhizome: " + home + " is not the home of a " + kind + " (no " + kind + ".lock or " + kind + ".json there); "
                    + "start one with `./rhizome " + kind + " --home " + home + "`, or name its home with --home");
            return Main.USAGE;
        }
        Optional<Long> pid = runningPid(lock, home);
        JsonNode info = null;
        String problem = null;
        if (Files.exists(file)) {
            try {
                info = json.readTree(Files.readString(file, StandardCharsets.UTF_8));
                if (info == null || !info.isObject()) {
                    problem = file + " is not a JSON object";
                    info = null;
                }
            } catch (IOException e) {
                problem = file + " cannot be read: " + e.getMessage();
            }
        } else {
            problem = pid.isPresent() ? "the " + kind + " is starting: no " + kind + ".json yet" : "no " + kind + ".json";
        }
        if (inv.jsonOutput()) {
            var o = info == null ? json.createObjectNode() : ((com.fasterxml.jackson.databind.node.ObjectNode) info).deepCopy();
            o.put("running", pid.isPresent());
            pid.ifPresentOrElse(p -> o.put("pid", p), () -> o.putNull("pid"));
            if (problem != null) {
                o.put("problem", problem);
            }
            out.println(o.toPrettyString());
        } else {
            out.println(kind + " " + home + ": " + pid.map(p -> "running (pid " + p + ")").orElse("not running"
                    + (info == null ? "" : "; what it last wrote:")));
            if (info != null) {
                out.print(kind.equals("hub") ? ServiceStatusView.hub(info) : ServiceStatusView.relay(info));
            }
            if (problem != null) {
                out.println("  " + problem);
            }
        }
        return pid.isPresent() ? Main.OK : Main.NO_DAEMON;
    }

    /**
     * The pid in the lock file when it is a live process of this home: the launcher writes its pid
     * into the lock and then becomes the Java process (exec), whose command line names the home.
     * (The lock itself is an flock the JVM cannot test; a pid reused by another process does not
     * name the home.)
     */
    private static Optional<Long> runningPid(Path lock, Path home) {
        long pid;
        try {
            String text = Files.readString(lock, StandardCharsets.US_ASCII).strip();
            if (!text.matches("\\d{1,10}")) {
                return Optional.empty();
            }
            pid = Long.parseLong(text);
        } catch (IOException e) {
            return Optional.empty();
        }
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(p -> p.info().commandLine()
                .map(c -> c.contains(home.toString())).orElse(true)).map(ProcessHandle::pid);
    }
}

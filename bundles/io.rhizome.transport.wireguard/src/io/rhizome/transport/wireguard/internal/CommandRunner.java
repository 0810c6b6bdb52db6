package io.rhizome.transport.wireguard.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the system tools the mesh needs ({@code ip}, {@code wireguard-go}), each behind an optional
 * prefix: empty on a real node, {@code ip netns exec NAME} in tests that give every node its own
 * network namespace. Every run is bounded in time; a failing tool is an {@link IOException} that
 * names the command, its exit code and what it printed.
 */
public final class CommandRunner {

    /** What a tool may print before the rest is dropped (its errors are short). */
    private static final int MAX_OUTPUT = 16 * 1024;

    private final List<String> prefix;
    private final Duration timeout;

    public CommandRunner(List<String> prefix, Duration timeout) {
        this.prefix = List.copyOf(prefix);
        this.timeout = timeout;
    }

    public static CommandRunner direct(Duration timeout) {
        return new CommandRunner(List.of(), timeout);
    }

    public List<String> prefix() {
        return prefix;
    }

    /** The command line with the prefix in front. */
    public List<String> commandLine(List<String> command) {
        List<String> all = new ArrayList<>(prefix);
        all.addAll(command);
        return all;
    }

    /** Runs {@code command} to its end; returns what it printed (stdout and stderr). */
    public String run(List<String> command) throws IOException {
        List<String> line = commandLine(command);
        Process p;
        try {
            p = new ProcessBuilder(line).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("cannot run " + String.join(" ", line) + ": " + e.getMessage(), e);
        }
        p.getOutputStream().close();
        String output = readBounded(p.getInputStream());
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", line) + " did not finish within " + timeout.toMillis() + " ms");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + String.join(" ", line), e);
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", line) + " failed with exit code " + p.exitValue() + ": " + output.strip());
        }
        return output;
    }

    /** Starts a long-running {@code command}; the caller owns the process. Output goes to {@code log}. */
    public Process start(List<String> command, java.io.File log) throws IOException {
        List<String> line = commandLine(command);
        try {
            return new ProcessBuilder(line).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
        } catch (IOException e) {
            throw new IOException("cannot start " + String.join(" ", line) + ": " + e.getMessage(), e);
        }
    }

    private static String readBounded(InputStream in) throws IOException {
        byte[] buf = new byte[4096];
        StringBuilder out = new StringBuilder();
        int n;
        // read to the end so the tool never blocks on a full pipe; keep only the head
        while ((n = in.read(buf)) >= 0) {
            if (out.length() < MAX_OUTPUT) {
                out.append(new String(buf, 0, n, StandardCharsets.UTF_8));
            }
        }
        return out.length() > MAX_OUTPUT ? out.substring(0, MAX_OUTPUT) : out.toString();
    }
}

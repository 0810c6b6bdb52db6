package io.rhizome.node.it;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A real Rhizome node started with {@code ./rhizome daemon --home DIR} in its own process, and
 * the CLI run against it: what a user does.
 */
final class NodeProcess implements AutoCloseable {

    static final Path ROOT = Path.of(System.getProperty("rhizome.root", "../..")).toAbsolutePath().normalize();
    static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    static final ObjectMapper JSON = new ObjectMapper();

    final Path home;
    final Process process;
    final Path output;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private NodeProcess(Path home, Process process, Path output) {
        this.home = home;
        this.process = process;
        this.output = output;
    }

    static NodeProcess start(Path home, String... extraArgs) throws IOException {
        return start(home, java.util.Map.of(), extraArgs);
    }

    /** Starts a node with extra environment variables (e.g. {@code RHIZOME_JAVA_OPTS}). */
    static NodeProcess start(Path home, java.util.Map<String, String> env, String... extraArgs) throws IOException {
        Files.createDirectories(home);
        // One file per start: two daemons started on one home must not share their output.
        Path output = Files.createTempFile(home.toAbsolutePath().getParent(), home.getFileName() + "-daemon-", ".out");
        List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("rhizome").toString(), "daemon", "--home", home.toString()));
        cmd.addAll(List.of(extraArgs));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        return new NodeProcess(home, p, output);
    }

    /** Waits (bounded) until the process has ended; returns its exit code. */
    int awaitExit(Duration timeout) throws Exception {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the node did not exit within " + timeout + ":\n" + output());
        }
        return process.exitValue();
    }

    /** Waits until the node has published api.json (it does so only once the REST API serves). */
    NodeProcess awaitReady() throws Exception {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!publishedByThisProcess()) {
            if (!process.isAlive()) {
                throw new AssertionError("the node exited with " + process.exitValue() + " before it was ready:\n" + output());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the node was not ready within " + START_TIMEOUT + ":\n" + output());
            }
            Thread.sleep(20);
        }
        return this;
    }

    private boolean publishedByThisProcess() {
        try {
            return Files.exists(home.resolve("api.json")) && apiJson().path("pid").asLong() == process.pid();
        } catch (IOException e) {
            return false; // being replaced right now
        }
    }

    String output() throws IOException {
        return Files.exists(output) ? Files.readString(output) : "";
    }

    JsonNode apiJson() throws IOException {
        return JSON.readTree(home.resolve("api.json").toFile());
    }

    int port() throws IOException {
        return apiJson().path("port").asInt();
    }

    /** An HTTP request to the REST API; {@code apiKey} null sends none. */
    HttpResponse<String> request(String method, String path, String apiKey) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + path))
                .timeout(Duration.ofSeconds(30)).method(method, HttpRequest.BodyPublishers.noBody());
        if (apiKey != null) {
            b.header("X-API-Key", apiKey);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Sends SIGTERM and waits (bounded) for the process to end; returns its exit code. */
    int terminate() throws Exception {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the node did not stop within 60 s of SIGTERM:\n" + output());
        }
        return process.exitValue();
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** The outcome of a CLI run. */
    record CliResult(int exitCode, String stdout, String stderr) {
    }

    /**
     * A home folder {@code tmp/name} whose node listens for libp2p on loopback only, without mDNS
     * (tests pair by address).
     */
    static Path loopbackHome(Path tmp, String name) throws IOException {
        Path home = tmp.resolve(name);
        Files.createDirectories(home);
        Files.writeString(home.resolve("rhizome.properties"), "api.port=0\np2p.listen=/ip4/127.0.0.1/tcp/0\np2p.mdns=false\n");
        return home;
    }

    /**
     * Polls {@code rhizome get NS KEY} on {@code home} until it prints {@code expected} (bounded:
     * fails with the last answer once {@code timeout} has passed).
     */
    static void awaitValue(Path home, String ns, String key, String expected, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        CliResult last = null;
        while (System.nanoTime() < deadline) {
            last = cli("get", ns, key, "--home", home.toString());
            if (last.exitCode() == 0 && last.stdout().strip().equals(expected)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(ns + "/" + key + " did not become " + expected + " on " + home + " within " + timeout + "; last: "
                + (last == null ? "-" : last.exitCode() + " " + last.stdout() + last.stderr()));
    }

    /**
     * Installs the npm packages of {@code dir} ({@code npm ci}) if {@code node_modules/marker} is
     * missing, so the README's test command works on a fresh clone; bounded, and without Node.js
     * and npm it fails saying what to install.
     */
    static synchronized void ensureNpmPackages(Path dir, String marker) throws Exception {
        if (Files.isDirectory(dir.resolve("node_modules").resolve(marker))) {
            return;
        }
        Path log = Files.createTempFile("npm-ci-", ".log");
        Process p;
        try {
            p = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error").directory(dir.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new AssertionError("this test needs Node.js 20+ and npm on the PATH (Debian/Ubuntu: apt-get install nodejs npm): "
                    + e.getMessage(), e);
        }
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("npm ci in " + dir + " did not finish within 10 minutes; see " + log);
        }
        if (p.exitValue() != 0 || !Files.isDirectory(dir.resolve("node_modules").resolve(marker))) {
            throw new AssertionError("npm ci in " + dir + " failed (exit " + p.exitValue() + "): " + Files.readString(log).strip());
        }
    }

    /** The JSON a successful CLI run printed (asserts exit code 0). */
    static JsonNode json(CliResult r) throws IOException {
        org.junit.jupiter.api.Assertions.assertEquals(0, r.exitCode(), r.stderr());
        return JSON.readTree(r.stdout());
    }

    static CliResult cli(String... args) throws Exception {
        return cliWithInput("", args);
    }

    /** Runs the CLI with {@code input} on its standard input. */
    static CliResult cliWithInput(String input, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("rhizome").toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(ROOT.toFile()).start();
        p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("CLI did not finish within 60 s: " + cmd);
        }
        return new CliResult(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }
}

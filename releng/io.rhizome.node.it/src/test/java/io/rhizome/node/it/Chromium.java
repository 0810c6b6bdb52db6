package io.rhizome.node.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A headless Debian Chromium driven by Playwright ({@code browser/driver.mjs}, playwright-core from
 * npm, installed by {@code npm ci} the first time): one JSON command per line, one JSON answer per
 * line, every answer awaited for a bounded time. Needs {@code /usr/bin/chromium} (apt-get install
 * chromium; {@code .ci/run} installs it).
 */
final class Chromium implements AutoCloseable {

    static final Path DIR = NodeProcess.ROOT.resolve("releng/io.rhizome.node.it/browser");
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final Writer in;
    private final LinkedBlockingQueue<String> answers = new LinkedBlockingQueue<>();
    private final Path log;

    private Chromium(Process process, Path log) {
        this.process = process;
        this.log = log;
        this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null;) {
                    answers.add(line);
                }
            } catch (IOException gone) {
                // the driver ended; a pending command fails at its deadline with the driver's log
            }
        }, "chromium-driver-reader");
        reader.setDaemon(true);
        reader.start();
    }

    static Chromium launch() throws Exception {
        if (!Files.isExecutable(Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium")))) {
            throw new AssertionError("the monitor's browser tests need Debian's Chromium at /usr/bin/chromium: apt-get install chromium"
                    + " (.ci/run installs it)");
        }
        NodeProcess.ensureNpmPackages(DIR, "playwright-core");
        Path log = Files.createTempFile("chromium-driver-", ".log");
        Process p = new ProcessBuilder("node", DIR.resolve("driver.mjs").toString()).directory(DIR.toFile())
                .redirectError(log.toFile()).start();
        Chromium c = new Chromium(p, log);
        JsonNode hello = c.next();
        if (!hello.path("ready").asBoolean()) {
            throw new AssertionError("the browser driver did not start: " + hello + "\n" + c.log());
        }
        return c;
    }

    /** Sends a command ({@code op} and its fields as name/value pairs); returns the answer, failing on an error answer. */
    JsonNode run(String op, Object... fields) throws Exception {
        JsonNode answer = send(op, fields);
        if (!answer.path("ok").asBoolean()) {
            throw new AssertionError("browser: " + op + " failed: " + answer.path("error").asText());
        }
        return answer;
    }

    /** Sends a command and returns its answer as is (ok or not). */
    JsonNode send(String op, Object... fields) throws Exception {
        ObjectNode cmd = NodeProcess.JSON.createObjectNode().put("op", op);
        for (int i = 0; i + 1 < fields.length; i += 2) {
            cmd.set((String) fields[i], NodeProcess.JSON.valueToTree(fields[i + 1]));
        }
        in.write(cmd.toString() + "\n");
        in.flush();
        return next();
    }

    private JsonNode next() throws Exception {
        String line = answers.poll(ANSWER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (line == null) {
            throw new AssertionError("the browser driver did not answer within " + ANSWER_TIMEOUT + ":\n" + log());
        }
        return NodeProcess.JSON.readTree(line);
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() throws Exception {
        try {
            in.write("{\"op\":\"quit\"}\n");
            in.flush();
        } catch (IOException gone) {
            // already ended
        }
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}

package io.rhizome.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One daemon per home, and one build per tree: the launcher's locks, with real daemons and real
 * {@code ./rhizome} runs.
 */
@Isolated("holds the launcher's build lock of the whole tree, which every ./rhizome call of another test would wait for")
class NodeHomeLockTest {

    static final Duration EXIT_TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    @Test
    void twoDaemonsStartedAtOnceOnAFreshHomeLeaveExactlyOneRunning() throws Exception {
        Path home = NodeProcess.loopbackHome(tmp, "home");
        try (NodeProcess first = NodeProcess.start(home); NodeProcess second = NodeProcess.start(home)) {
            long deadline = System.nanoTime() + EXIT_TIMEOUT.toNanos();
            while (first.process.isAlive() && second.process.isAlive()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("both daemons still run after " + EXIT_TIMEOUT + ":\n" + first.output() + "\n---\n" + second.output());
                }
                Thread.sleep(20);
            }
            NodeProcess refused = first.process.isAlive() ? second : first;
            NodeProcess running = refused == first ? second : first;

            assertEquals(2, refused.awaitExit(EXIT_TIMEOUT), refused.output());
            String line = refused.output().strip();
            assertEquals(1, line.lines().count(), "one line: " + line);
            assertEquals("rhizome: a daemon is already running for " + home.toRealPath() + " (pid " + running.process.pid()
                    + "); stop it first or use another --home", line);

            running.awaitReady();
            assertEquals(running.process.pid(), running.apiJson().path("pid").asLong(), "api.json belongs to the running daemon");
            String key = running.apiJson().path("apiKey").asText();
            JsonNode status = NodeProcess.JSON.readTree(running.request("GET", "/api/v1/status", key).body());
            assertEquals(running.process.pid(), status.path("node").path("pid").asLong());
            assertTrue(status.path("sync").has("deviceId"), "the engine runs (its store was not locked by the other): " + status);

            assertEquals(0, NodeProcess.cli("put", "notes", "k", "\"one daemon\"", "--home", home.toString()).exitCode());
            NodeProcess.CliResult get = NodeProcess.cli("get", "notes", "k", "--home", home.toString());
            assertEquals(0, get.exitCode(), get.stderr());
            assertTrue(get.stdout().contains("one daemon"), get.stdout());
            assertTrue(running.process.isAlive());
        }
    }

    @Test
    void killMinusNineReleasesTheHomeLock() throws Exception {
        Path home = NodeProcess.loopbackHome(tmp, "home");
        long killed;
        try (NodeProcess node = NodeProcess.start(home).awaitReady()) {
            killed = node.process.pid();
            node.process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            assertFalse(node.process.isAlive());
        }
        try (NodeProcess again = NodeProcess.start(home).awaitReady()) {
            assertNotEquals(killed, again.process.pid());
            assertFalse(again.output().contains("already running"), again.output());
            NodeProcess.CliResult status = NodeProcess.cli("status", "--home", home.toString(), "--json");
            assertEquals(again.process.pid(), NodeProcess.json(status).path("node").path("pid").asLong());
        }
    }

    /**
     * A CLI command while a build of the tree runs (here: the build lock held by another
     * process, as {@code ./rhizome daemon}'s first-run build holds it) waits for that build and
     * starts none of its own.
     */
    @Test
    void aCliCommandWaitsForTheBuildInProgressAndStartsNone() throws Exception {
        Path lock = NodeProcess.ROOT.resolve(".rhizome-build.lock");
        Process holder = new ProcessBuilder("flock", "-x", lock.toString(), "cat").redirectErrorStream(true).start();
        try {
            awaitHeld(lock);
            Path err = tmp.resolve("status.err");
            Process status = new ProcessBuilder(NodeProcess.ROOT.resolve("rhizome").toString(), "status", "--home",
                    tmp.resolve("nobody").toString()).directory(NodeProcess.ROOT.toFile())
                    .redirectError(err.toFile()).redirectOutput(tmp.resolve("status.out").toFile()).start();
            try {
                long deadline = System.nanoTime() + EXIT_TIMEOUT.toNanos();
                while (!read(err).contains("waiting for the build in progress")) {
                    assertTrue(status.isAlive(), "status ended without waiting: " + read(err));
                    assertTrue(System.nanoTime() < deadline, "no waiting message within " + EXIT_TIMEOUT + ": " + read(err));
                    Thread.sleep(20);
                }
                assertTrue(status.isAlive(), "it waits while the build runs");

                holder.getOutputStream().close(); // the "build" ends
                assertTrue(status.waitFor(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS), read(err));
                assertEquals(3, status.exitValue(), read(err));
                List<String> lines = read(err).strip().lines().toList();
                assertEquals(2, lines.size(), read(err));
                assertTrue(lines.get(0).startsWith("rhizome: waiting for the build in progress"), read(err));
                assertTrue(lines.get(1).startsWith("rhizome: no daemon is running"), read(err));
                assertFalse(read(err).contains("building"), "the CLI jar exists: no build of its own");
            } finally {
                status.destroyForcibly();
            }
        } finally {
            holder.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Waits until another process holds {@code lock} (a non-blocking flock of it fails). */
    private static void awaitHeld(Path lock) throws Exception {
        long deadline = System.nanoTime() + EXIT_TIMEOUT.toNanos();
        while (true) {
            Process probe = new ProcessBuilder("flock", "-n", lock.toString(), "true").start();
            assertTrue(probe.waitFor(10, TimeUnit.SECONDS));
            if (probe.exitValue() != 0) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "the build lock was not taken within " + EXIT_TIMEOUT);
            Thread.sleep(20);
        }
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }
}

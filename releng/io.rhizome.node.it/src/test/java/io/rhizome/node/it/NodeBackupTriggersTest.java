package io.rhizome.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Backups the daemon takes by itself (interval, clean shutdown) into the configured folder, with
 * retention applied after each; {@code status} showing the last one; {@code backup prune}; progress
 * lines on standard error; and a daemon killed with SIGKILL in the middle of a backup, after which
 * the folder still verifies and the next backup completes.
 */
class NodeBackupTriggersTest {

    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    Path tmp;

    private static void ok(NodeProcess.CliResult r) {
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
    }

    /** Polls {@code condition} until it holds; fails naming {@code what} at the deadline. */
    private static void await(String what, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " did not happen within " + WAIT);
            }
            Thread.sleep(100);
        }
    }

    private static JsonNode backupStatus(String home) {
        try {
            NodeProcess.CliResult r = NodeProcess.cli("status", "--json", "--home", home);
            return r.exitCode() == 0 ? NodeProcess.json(r).path("backup") : NodeProcess.JSON.createObjectNode();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static List<String> snapshotLines(String home) throws Exception {
        NodeProcess.CliResult r = NodeProcess.cli("backup", "list", "--home", home);
        ok(r);
        return r.stdout().lines().toList();
    }

    @Test
    void intervalAndShutdownBackupsGoToTheConfiguredFolderWithRetentionAndStatusShowsTheLast() throws Exception {
        Path home = NodeProcess.loopbackHome(tmp, "home");
        String h = home.toString();
        Path backups = tmp.resolve("backups");
        Files.writeString(home.resolve("rhizome.properties"), "backup.to=" + backups + "\nbackup.interval=2s\n"
                + "backup.keep.last=2\nbackup.fullEvery=1\n", java.nio.file.StandardOpenOption.APPEND);
        try (NodeProcess node = NodeProcess.start(home).awaitReady()) {
            ok(NodeProcess.cli("ns", "create", "visits", "pn-counter", "--home", h));
            ok(NodeProcess.cli("mutate", "visits", "home", "{\"op\":\"increment\",\"by\":5}", "--home", h));
            await("an interval backup", () -> "interval".equals(backupStatus(h).path("lastGood").path("trigger").asText()));
            JsonNode status = backupStatus(h);
            assertEquals("ok", status.path("last").path("result").asText(), status.toString());
            assertEquals("folder " + backups, status.path("lastGood").path("target").asText(), status.toString());
            assertTrue(status.path("lastGood").path("snapshot").asText().matches("[0-9]{8}T[0-9]{9}Z-[0-9a-f]{8}"), status.toString());
            NodeProcess.CliResult human = NodeProcess.cli("status", "--home", h);
            assertTrue(human.stdout().contains("backup:   last good") && human.stdout().contains(" to folder " + backups),
                    human.stdout());

            // Retention after each interval backup: full snapshots every other one, keep the last 2,
            // so at most 3 stay (the newest, the one before and the full one that one builds on).
            String first = status.path("lastGood").path("snapshot").asText();
            await("four more interval backups", () -> {
                try {
                    List<String> lines = snapshotLines(h);
                    return lines.size() >= 2 && lines.stream().noneMatch(l -> l.startsWith(first))
                            && !backupStatus(h).path("lastGood").path("snapshot").asText().equals(first);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            assertTrue(snapshotLines(h).size() <= 3, snapshotLines(h).toString());

            // backup now without --to goes to backup.to, with progress lines on standard error.
            NodeProcess.CliResult now = NodeProcess.cli("backup", "now", "--home", h);
            ok(now);
            assertTrue(now.stdout().startsWith("snapshot "), now.stdout());
            assertTrue(now.stderr().matches("(?s).*backup: [0-9]+/[0-9]+ records, [0-9]+ chunks, .*"), now.stderr());
            NodeProcess.CliResult prune = NodeProcess.cli("backup", "prune", "--keep", "last=1", "--home", h);
            ok(prune);
            assertTrue(prune.stdout().contains("kept"), prune.stdout());
            NodeProcess.CliResult bad = NodeProcess.cli("backup", "prune", "--keep", "last=0", "--home", h);
            assertEquals(2, bad.exitCode(), bad.stdout() + bad.stderr());
            assertTrue(bad.stderr().contains("keep.last >= 1"), bad.stderr());
            ok(NodeProcess.cli("backup", "verify", "--home", h));

            ok(NodeProcess.cli("mutate", "visits", "home", "{\"op\":\"increment\",\"by\":1}", "--home", h));
            assertEquals(143, node.terminate(), "clean stop");
        }
        // Restarted without the interval, so that nothing backs up behind the checks below.
        Path conf = home.resolve("rhizome.properties");
        Files.writeString(conf, Files.readString(conf).replace("backup.interval=2s\n", ""));
        try (NodeProcess node = NodeProcess.start(home).awaitReady()) {
            JsonNode status = backupStatus(h);
            assertEquals("shutdown", status.path("last").path("trigger").asText(), "the status is kept in the home: " + status);
            assertEquals("ok", status.path("last").path("result").asText(), status.toString());
            List<String> lines = snapshotLines(h);
            assertTrue(lines.get(lines.size() - 1).startsWith(status.path("last").path("snapshot").asText()),
                    "the shutdown backup is the newest snapshot: " + lines);
        }
    }

    @Test
    void badBackupSettingsStopTheLauncherWithASentence() throws Exception {
        Path home = NodeProcess.loopbackHome(tmp, "bad");
        Files.writeString(home.resolve("rhizome.properties"), "backup.interval=2s\n", java.nio.file.StandardOpenOption.APPEND);
        try (NodeProcess node = NodeProcess.start(home)) {
            assertEquals(2, node.awaitExit(WAIT));
            assertTrue(node.output().contains("backup.interval needs backup.to"), node.output());
        }
        Files.writeString(home.resolve("rhizome.properties"), "backup.to=" + tmp.resolve("b") + "\nbackup.interval=soon\n",
                java.nio.file.StandardOpenOption.APPEND);
        try (NodeProcess node = NodeProcess.start(home)) {
            assertEquals(2, node.awaitExit(WAIT));
            assertTrue(node.output().contains("backup.interval must be a whole number of s, m, h or d"), node.output());
        }
    }

    @Test
    void aDaemonKilledMidBackupLeavesTheFolderConsistentAndTheNextBackupCompletes() throws Exception {
        Path home = NodeProcess.loopbackHome(tmp, "home");
        String h = home.toString();
        Path backups = tmp.resolve("backups");
        Path pause = tmp.resolve("pause");
        String dir = backups.toString();
        try (NodeProcess node = NodeProcess.start(home, Map.of("RHIZOME_JAVA_OPTS", "-Drhizome.backup.test.pauseWhen=" + pause))
                .awaitReady()) {
            ok(NodeProcess.cli("ns", "create", "visits", "pn-counter", "--home", h));
            ok(NodeProcess.cli("mutate", "visits", "home", "{\"op\":\"increment\",\"by\":5}", "--home", h));
            ok(NodeProcess.cli("backup", "now", "--to", dir, "--home", h));
            ok(NodeProcess.cli("mutate", "visits", "home", "{\"op\":\"increment\",\"by\":2}", "--home", h));
            Files.writeString(pause, "hold the next backup after its first chunk");
            CompletableFuture<NodeProcess.CliResult> running = CompletableFuture.supplyAsync(() -> {
                try {
                    return NodeProcess.cli("backup", "now", "--to", dir, "--home", h);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            await("the backup holding after a chunk", () -> Files.exists(tmp.resolve("pause.paused")));
            try (Stream<Path> partial = Files.list(backups)) {
                assertTrue(partial.anyMatch(p -> p.getFileName().toString().startsWith(".partial-")), "a backup is half-written");
            }
            node.process.destroyForcibly();
            assertTrue(node.process.waitFor(60, TimeUnit.SECONDS), "killed");
            NodeProcess.CliResult cut = running.get(60, TimeUnit.SECONDS);
            assertFalse(cut.exitCode() == 0, "the killed backup did not report success: " + cut.stdout());
        }
        Files.delete(pause);
        try (NodeProcess node = NodeProcess.start(home).awaitReady()) {
            NodeProcess.CliResult verify = NodeProcess.cli("backup", "verify", "--to", dir, "--home", h);
            ok(verify);
            assertTrue(verify.stdout().contains("1 snapshots checked"), "the snapshot before the kill is intact: " + verify.stdout());
            NodeProcess.CliResult next = NodeProcess.cli("backup", "now", "--to", dir, "--home", h);
            ok(next);
            assertTrue(next.stdout().contains("incremental"), next.stdout());
            NodeProcess.CliResult after = NodeProcess.cli("backup", "verify", "--to", dir, "--home", h);
            ok(after);
            assertTrue(after.stdout().contains("2 snapshots checked"), after.stdout());
            try (Stream<Path> left = Files.list(backups)) {
                assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith(".")), "the half-written backup was removed");
            }
        }
    }
}

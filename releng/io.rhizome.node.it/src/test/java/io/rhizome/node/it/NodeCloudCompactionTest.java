package io.rhizome.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Compaction through a plain folder with real daemons: A and B, never up at the same time,
 * converge; once B applied A's files, A replaces them by one snapshot file and what it writes
 * after that stays until B reads it; then B's home as it was right after pairing (an old copy: its
 * data lost) catches up from the compacted folder — A's snapshot carries B's own lost write too.
 */
class NodeCloudCompactionTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Map<String, String> FAST = Map.of("RHIZOME_JAVA_OPTS", "-Drhizome.cloud.pollMillis=300");

    @TempDir
    Path tmp;

    @Test
    void twoDaemonsConvergeAfterCompactionAndAnOldCopyOfOneCatchesUpFromTheSnapshot() throws Exception {
        Path a = NodeProcess.loopbackHome(tmp, "a");
        Path b = NodeProcess.loopbackHome(tmp, "b");
        Path folder = tmp.resolve("compacted folder");
        NodeCloudTest.pair(a, b);
        Path oldB = tmp.resolve("b-as-after-pairing");
        copy(b, oldB);

        try (NodeProcess na = NodeProcess.start(a, FAST).awaitReady()) {
            assertEquals(0, NodeProcess.cli("cloud", "add", "folder", folder.toString(), "--home", a.toString()).exitCode());
            for (int i = 0; i < 5; i++) {
                assertEquals(0, NodeProcess.cli("put", "notes", "k" + i, "\"value " + i + "\"", "--home", a.toString()).exitCode());
            }
            // every write in the folder (a round may carry only the first ones), not just one file
            await("A leaves batch files for B holding all five writes",
                    () -> count(folder, ".rzb") >= 1 && NodeCloudDriveTest.pending(a) == 0, na);
            na.terminate();
        }
        try (NodeProcess nb = NodeProcess.start(b, FAST).awaitReady()) {
            assertEquals(0, NodeProcess.cli("cloud", "add", "folder", folder.toString(), "--home", b.toString()).exitCode());
            NodeProcess.awaitValue(b, "notes", "k4", "\"value 4\"", WAIT);
            int before = count(folder, ".rzb");
            assertEquals(0, NodeProcess.cli("put", "notes", "from-b", "\"B's answer\"", "--home", b.toString()).exitCode());
            await("B leaves a batch file for A (and its manifest says it applied A's files)", () -> count(folder, ".rzb") > before, nb);
            nb.terminate();
        }
        try (NodeProcess na = NodeProcess.start(a, FAST).awaitReady()) {
            NodeProcess.awaitValue(a, "notes", "from-b", "\"B's answer\"", WAIT);
            await("A compacts what B applied into a snapshot", () -> storage(a).path("snapshotFiles").asInt() == 1
                    && storage(a).path("batchFiles").asInt() == 0, na);
            assertTrue(count(folder, ".rzs") >= 1);
            NodeProcess.CliResult human = NodeProcess.cli("cloud", "status", "--home", a.toString());
            assertTrue(human.stdout().contains("0 batch files, 1 snapshots"), human.stdout());
            assertTrue(human.stdout().contains("retention 0 min, budget 1024 MiB"), human.stdout());
            assertEquals(0, NodeProcess.cli("put", "notes", "later", "\"after the snapshot\"", "--home", a.toString()).exitCode());
            await("A's file written after the snapshot is kept for B", () -> storage(a).path("batchFiles").asInt() == 1, na);
            na.terminate();
        }
        try (NodeProcess nb = NodeProcess.start(b, FAST).awaitReady()) {
            NodeProcess.awaitValue(b, "notes", "later", "\"after the snapshot\"", WAIT);
            nb.terminate();
        }

        // B's home as it was right after pairing: it holds nothing, its manifest in the folder says much more.
        try (NodeProcess nc = NodeProcess.start(oldB, FAST).awaitReady()) {
            assertEquals(0, NodeProcess.cli("cloud", "add", "folder", folder.toString(), "--home", oldB.toString()).exitCode());
            NodeProcess.awaitValue(oldB, "notes", "later", "\"after the snapshot\"", WAIT);
            for (int i = 0; i < 5; i++) {
                NodeProcess.awaitValue(oldB, "notes", "k" + i, "\"value " + i + "\"", WAIT);
            }
            NodeProcess.awaitValue(oldB, "notes", "from-b", "\"B's answer\"", WAIT);
            nc.terminate();
        }
    }

    @Test
    void aBadRetentionOrBudgetIsRefusedWithASentence() throws Exception {
        Path home = NodeProcess.loopbackHome(tmp, "bad-budget");
        Files.writeString(home.resolve("rhizome.properties"), "cloud.budgetMegabytes=1G\n", java.nio.file.StandardOpenOption.APPEND);
        NodeProcess.CliResult r = NodeProcess.cli("daemon", "--home", home.toString());
        assertEquals(2, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stderr().contains("cloud.budgetMegabytes must be a whole number from 0 to 9999999, not '1G'"), r.stderr());
        assertTrue(!Files.exists(home.resolve("api.json")), "no daemon started");
    }

    private static JsonNode storage(Path home) {
        try {
            return NodeProcess.json(NodeProcess.cli("cloud", "status", "--json", "--home", home.toString())).path("clouds").path(0).path("storage");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static int count(Path folder, String suffix) {
        if (!Files.isDirectory(folder)) {
            return 0;
        }
        // The daemons write through temp files renamed into place and delete compacted files: a
        // file can vanish while the folder is walked, so walk again (bounded).
        for (int attempt = 1;; attempt++) {
            try (Stream<Path> s = Files.walk(folder)) {
                return (int) s.filter(p -> p.getFileName().toString().endsWith(suffix)).count();
            } catch (IOException | java.io.UncheckedIOException e) {
                if (attempt == 50) {
                    throw new AssertionError("could not list " + folder + " in 50 attempts", e);
                }
            }
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            s.forEach(p -> {
                try {
                    Path target = to.resolve(from.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(target);
                    } else if (!p.getFileName().toString().equals("api.json")) {
                        Files.copy(p, target);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    private static void await(String what, BooleanSupplier condition, NodeProcess node) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not within " + WAIT + "\n" + node.output());
            }
            Thread.sleep(100);
        }
    }
}

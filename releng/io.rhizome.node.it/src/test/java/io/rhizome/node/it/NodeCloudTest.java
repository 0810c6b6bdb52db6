package io.rhizome.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Two real daemons that are never up at the same time after pairing, converging through a plain
 * folder: A writes and stops, B starts, reads, writes, stops, A starts and reads. Also the
 * {@code rhizome cloud} commands' refusals, which change nothing.
 */
class NodeCloudTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    /** Rounds every 300 ms, so that the test does not wait for the default 10 s. */
    private static final Map<String, String> FAST = Map.of("RHIZOME_JAVA_OPTS", "-Drhizome.cloud.pollMillis=300");

    @TempDir
    Path tmp;

    @Test
    void twoDaemonsNeverUpTogetherConvergeThroughAFolder() throws Exception {
        Path a = NodeProcess.loopbackHome(tmp, "a");
        Path b = NodeProcess.loopbackHome(tmp, "b");
        Path folder = tmp.resolve("shared folder");
        pair(a, b);

        try (NodeProcess na = NodeProcess.start(a, FAST).awaitReady()) {
            refusalsChangeNothing(a);
            NodeProcess.CliResult add = NodeProcess.cli("cloud", "add", "folder", folder.toString(), "--home", a.toString());
            assertEquals(0, add.exitCode(), add.stderr());
            assertTrue(add.stdout().startsWith("added folder-"), add.stdout());
            NodeProcess.CliResult again = NodeProcess.cli("cloud", "add", "folder", folder.toString(), "--home", a.toString());
            assertEquals(1, again.exitCode());
            assertTrue(again.stderr().contains("already in use"), again.stderr());
            int before = batchFiles(folder);
            assertEquals(0, NodeProcess.cli("put", "notes", "from-a", "\"written while B was down\"", "--home", a.toString()).exitCode());
            await("A leaves a batch file for B in the folder", () -> batchFiles(folder) > before, na);
            na.terminate();
        }

        try (NodeProcess nb = NodeProcess.start(b, FAST).awaitReady()) {
            assertEquals(0, NodeProcess.cli("cloud", "add", "folder", folder.toString(), "--home", b.toString()).exitCode());
            NodeProcess.awaitValue(b, "notes", "from-a", "\"written while B was down\"", WAIT);
            JsonNode status = NodeProcess.json(NodeProcess.cli("status", "--json", "--home", b.toString()));
            JsonNode peer = status.path("sync").path("peers").get(0);
            assertTrue(peer.path("lastSyncRoute").asText().startsWith("cloud folder-"), "status names the cloud route: " + status);
            JsonNode clouds = NodeProcess.json(NodeProcess.cli("cloud", "status", "--json", "--home", b.toString()));
            assertEquals(1, clouds.path("clouds").size(), clouds.toString());
            NodeProcess.CliResult human = NodeProcess.cli("cloud", "status", "--home", b.toString());
            assertTrue(human.stdout().contains("last received: 20"), human.stdout());
            int before = batchFiles(folder);
            assertEquals(0, NodeProcess.cli("put", "notes", "from-b", "\"B's answer\"", "--home", b.toString()).exitCode());
            await("B leaves a batch file for A", () -> batchFiles(folder) > before, nb);
            nb.terminate();
        }

        try (NodeProcess na = NodeProcess.start(a, FAST).awaitReady()) {
            NodeProcess.awaitValue(a, "notes", "from-b", "\"B's answer\"", WAIT);
            assertEquals("\"written while B was down\"", NodeProcess.cli("get", "notes", "from-a", "--home", a.toString()).stdout().strip());
            na.terminate();
        }

        List<Path> files;
        try (Stream<Path> s = Files.walk(folder)) {
            files = s.filter(Files::isRegularFile).toList();
        }
        for (Path p : files) {
            String content = new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
            for (String needle : List.of("notes", "from-a", "from-b", "written while B was down", "B's answer")) {
                assertFalse(content.contains(needle), p + " holds '" + needle + "' in the clear");
                assertFalse(folder.relativize(p).toString().contains(needle), p + " names '" + needle + "'");
            }
        }
    }

    @Test
    void aBadCloudUseSettingIsRefusedWithASentence() throws Exception {
        Path home = NodeProcess.loopbackHome(tmp, "bad");
        Files.writeString(home.resolve("rhizome.properties"), "cloud.use=sometimes\n", java.nio.file.StandardOpenOption.APPEND);
        NodeProcess.CliResult r = NodeProcess.cli("daemon", "--home", home.toString());
        assertEquals(2, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stderr().contains("cloud.use must be always or offline:MINUTES (a whole number of minutes), not 'sometimes'"), r.stderr());
        assertFalse(Files.exists(home.resolve("api.json")));
    }

    /** Bad input to `rhizome cloud` gets a sentence and adds no cloud. */
    private static void refusalsChangeNothing(Path home) throws Exception {
        Path aFile = home.resolve("rhizome.properties");
        NodeProcess.CliResult file = NodeProcess.cli("cloud", "add", "folder", aFile.toString(), "--home", home.toString());
        assertEquals(1, file.exitCode(), file.stdout());
        assertTrue(file.stderr().contains("is a file, not a folder"), file.stderr());
        NodeProcess.CliResult unknown = NodeProcess.cli("cloud", "add", "onedrive", "x", "--home", home.toString());
        assertEquals(2, unknown.exitCode(), unknown.stderr());
        // Google Drive needs the user's own OAuth client in rhizome.properties before any consent.
        NodeProcess.CliResult gdrive = NodeProcess.cli("cloud", "add", "gdrive", "--home", home.toString());
        assertEquals(1, gdrive.exitCode());
        assertTrue(gdrive.stderr().contains("Google Drive needs an OAuth client of your own"), gdrive.stderr());
        assertTrue(gdrive.stderr().contains("set gdrive.clientId and gdrive.clientSecret in rhizome.properties"), gdrive.stderr());
        NodeProcess.CliResult remove = NodeProcess.cli("cloud", "remove", "folder-00000000", "--home", home.toString());
        assertEquals(1, remove.exitCode());
        assertTrue(remove.stderr().contains("no cloud with id 'folder-00000000'"), remove.stderr());
        NodeProcess.CliResult usage = NodeProcess.cli("cloud", "add", "--home", home.toString());
        assertEquals(2, usage.exitCode());
        assertTrue(usage.stderr().contains("usage: rhizome cloud add folder DIR"), usage.stderr());
        JsonNode none = NodeProcess.json(NodeProcess.cli("cloud", "status", "--json", "--home", home.toString()));
        assertEquals(0, none.path("clouds").size(), "nothing was added: " + none);
    }

    /** Pairs B into A's mesh while both run (pairing needs both), then stops both. */
    static void pair(Path a, Path b) throws Exception {
        try (NodeProcess na = NodeProcess.start(a).awaitReady(); NodeProcess nb = NodeProcess.start(b).awaitReady()) {
            JsonNode invitation = NodeProcess.json(NodeProcess.cli("pair", "--no-wait", "--json", "--home", a.toString()));
            NodeProcess.CliResult join = NodeProcess.cli("join", invitation.path("code").asText(), "--addr",
                    invitation.path("addresses").get(0).asText(), "--home", b.toString());
            assertEquals(0, join.exitCode(), join.stderr() + join.stdout());
            // Paired *and* met: each holds the other's peer record (what `status` lists) before both stop.
            awaitConnectedPeer(a, na);
            awaitConnectedPeer(b, nb);
            na.terminate();
            nb.terminate();
        }
    }

    private static void awaitConnectedPeer(Path home, NodeProcess node) throws Exception {
        await(home + " lists its paired peer as connected", () -> {
            try {
                JsonNode peers = NodeProcess.json(NodeProcess.cli("status", "--json", "--home", home.toString())).path("sync").path("peers");
                return peers.size() == 1 && peers.get(0).path("connected").asBoolean();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }, node);
    }

    private static int batchFiles(Path folder) {
        if (!Files.isDirectory(folder)) {
            return 0;
        }
        // The daemons write through temp files renamed into place and delete compacted files: a
        // file can vanish while the folder is walked, so walk again (bounded).
        for (int attempt = 1;; attempt++) {
            try (Stream<Path> s = Files.walk(folder)) {
                return (int) s.filter(p -> p.getFileName().toString().endsWith(".rzb")).count();
            } catch (IOException | java.io.UncheckedIOException e) {
                if (attempt == 50) {
                    throw new AssertionError("could not list " + folder + " in 50 attempts", e);
                }
            }
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

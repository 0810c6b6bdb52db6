package io.rhizome.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store of a real daemon at rest: what was written is found in no file of the home folder
 * (data, redo, key store) once the daemon stopped, and it reads back after a restart.
 */
class NodeAtRestTest {

    @TempDir
    Path tmp;

    @Test
    void aStoppedDaemonsHomeHoldsNoValueOrEntityNameAndItReadsBackAfterARestart() throws Exception {
        Path home = NodeProcess.loopbackHome(tmp, "home");
        String h = home.toString();
        String name = "at-rest-name-" + Long.toHexString(System.nanoTime());
        String value = "at-rest-value-" + Long.toHexString(System.nanoTime() * 31);
        try (NodeProcess node = NodeProcess.start(home).awaitReady()) {
            NodeProcess.CliResult put = NodeProcess.cli("put", "notes", name, "\"" + value + "\"", "--home", h);
            assertEquals(0, put.exitCode(), put.stderr());
            NodeProcess.awaitValue(home, "notes", name, "\"" + value + "\"", Duration.ofSeconds(30));
            assertEquals(143, node.terminate(), "a clean stop (checkpoints written)");
        }
        List<String> holding = filesHolding(home, List.of(name, value));
        assertEquals(List.of(), holding, "no file of the home holds the entity name or its value");
        try (NodeProcess node = NodeProcess.start(home).awaitReady()) {
            NodeProcess.awaitValue(home, "notes", name, "\"" + value + "\"", Duration.ofSeconds(30));
            NodeProcess.CliResult ls = NodeProcess.cli("ls", "notes", "--home", h);
            assertTrue(ls.stdout().contains(name), ls.stdout() + ls.stderr());
        }
    }

    private static List<String> filesHolding(Path home, List<String> markers) throws Exception {
        List<String> out = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(home)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        assertTrue(files.stream().anyMatch(f -> f.endsWith(Path.of("data", "replica.mapdb"))), files.toString());
        for (Path f : files) {
            String content = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
            for (String m : markers) {
                if (content.contains(m)) {
                    out.add(home.relativize(f) + " holds " + m);
                }
            }
        }
        return out;
    }
}

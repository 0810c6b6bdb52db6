package io.rhizome.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A real daemon's home with one flipped bit in its store file, as a failing disk or a bad copy
 * leaves it: the node never serves a changed value. A bit in MapDB's structure at the start of the
 * file (its header checksum covers it) stops the store from opening: status and every data route
 * say so truthfully — a damaged store does not reopen by itself — and name what to do; nothing is
 * read or stored. A bit elsewhere in the file either is never read or is caught by the sealed
 * records' own check (see the store's AtRestTest): every value the node answers is the one written.
 */
class NodeDamagedStoreTest {

    private static final int VALUES = 6;

    @TempDir
    Path tmp;

    private static String value(int i) {
        return "\"value number " + i + " " + "x".repeat(300) + "\"";
    }

    @Test
    void aFlippedBitInTheStoreFileIsNeverServedAndAStoreThatCannotOpenSaysWhatToDo() throws Exception {
        Path original = NodeProcess.loopbackHome(tmp, "original");
        try (NodeProcess node = NodeProcess.start(original).awaitReady()) {
            for (int i = 1; i <= VALUES; i++) {
                NodeProcess.CliResult put = NodeProcess.cli("put", "notes", "k" + i, value(i), "--home", original.toString());
                assertEquals(0, put.exitCode(), put.stderr());
            }
            assertEquals(143, node.terminate());
        }
        Path dataFile = original.resolve("data").resolve("replica.mapdb");
        assertTrue(Files.size(dataFile) > 1_100_000, "the store file has its structure at the start and data from 1 MiB on");

        // 1. a bit in the structure at the start of the file: the store does not open
        Path header = copy(original, "header");
        flip(header.resolve("data").resolve("replica.mapdb"), 9000);
        try (NodeProcess node = NodeProcess.start(header).awaitReady()) {
            JsonNode status = NodeProcess.json(NodeProcess.cli("status", "--json", "--home", header.toString()));
            assertEquals("unavailable", status.path("sync").path("state").asText(), status.toString());
            String reason = status.path("sync").path("reason").asText();
            assertTrue(reason.contains("a store the node's log calls damaged or not readable does not"), reason);
            assertTrue(reason.contains("rhizome restore"), "it names what to do: " + reason);
            for (int i = 1; i <= VALUES; i++) {
                NodeProcess.CliResult get = NodeProcess.cli("get", "notes", "k" + i, "--home", header.toString());
                assertNotEquals(0, get.exitCode(), "nothing is served from a store that did not open: " + get.stdout());
                assertTrue(get.stderr().contains("nothing was read or stored"), get.stderr());
            }
            assertTrue(node.output().contains("is not a readable Rhizome store"), "the log names the damaged file");
            node.terminate();
        }

        // 2. bits in the data part of the file: every value answered is the one written
        for (long offset : new long[] {1_050_000, 1_075_000}) {
            Path home = copy(original, "data-" + offset);
            flip(home.resolve("data").resolve("replica.mapdb"), offset);
            try (NodeProcess node = NodeProcess.start(home).awaitReady()) {
                for (int i = 1; i <= VALUES; i++) {
                    NodeProcess.CliResult get = NodeProcess.cli("get", "notes", "k" + i, "--home", home.toString());
                    if (get.exitCode() == 0) {
                        assertEquals(value(i), get.stdout().strip(), "a bit flipped at " + offset + " changed an answered value");
                    }
                }
                node.terminate();
            }
        }
    }

    private static void flip(Path file, long offset) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            int b = f.read();
            f.seek(offset);
            f.write(b ^ 0x10);
        }
    }

    private Path copy(Path from, String name) throws IOException {
        Path to = tmp.resolve(name);
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (!p.getFileName().toString().equals("api.json")) {
                    Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        return to;
    }
}

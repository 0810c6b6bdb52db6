package io.rhizome.crdt.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crdt.ReplicaContext;
import io.rhizome.spi.crdt.TextReplica;

/**
 * Correctness on real editing histories: every trace in the shared editing-traces folder, replayed
 * into {@code text}, gives exactly its {@code endContent}, on the editing replica, on a replica that
 * receives every operation remotely, and on replicas rebuilt from states (whole, and merged into a
 * replica that has half of the history).
 *
 * <p>The traces are not part of the repository: they are found through the system property
 * {@code rhizome.traces} (set by this bundle's pom to {@code ../shared/data/editing-traces} beside
 * the repository). A missing folder fails the test rather than skipping it.
 */
class TraceReplayTest {

    static Path tracesDir() {
        String configured = System.getProperty("rhizome.traces", "../../../shared/data/editing-traces");
        Path dir = Path.of(configured).toAbsolutePath().normalize();
        assertTrue(Files.isDirectory(dir), "editing traces folder " + dir + " exists (set -Drhizome.traces=<folder>)");
        return dir;
    }

    static Stream<Path> traces() throws IOException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(tracesDir())) {
            s.filter(p -> p.getFileName().toString().endsWith(".json.gz")).sorted().forEach(files::add);
        }
        assertTrue(files.size() >= 4, "found the four traces in " + tracesDir() + ": " + files);
        return files.stream();
    }

    @ParameterizedTest
    @MethodSource("traces")
    void replaysToExactEndContent(Path file) throws Exception {
        JsonNode trace;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            trace = new ObjectMapper().readTree(in);
        }
        CrdtType type = BuiltinTypes.get("text");
        TextReplica editor = (TextReplica) type.newReplica(ReplicaContext.of("editor"));
        TextReplica remote = (TextReplica) type.newReplica(ReplicaContext.of("remote"));
        String start = trace.get("startContent").textValue();
        if (!start.isEmpty()) {
            remote.apply(editor.insert(0, start));
        }
        int patches = 0;
        for (JsonNode txn : trace.get("txns")) {
            for (JsonNode patch : txn.get("patches")) {
                patches++;
            }
        }
        int half = patches / 2;
        byte[] halfState = null;
        int seen = 0;
        for (JsonNode txn : trace.get("txns")) {
            for (JsonNode patch : txn.get("patches")) {
                int pos = patch.get(0).intValue();
                int del = patch.get(1).intValue();
                String ins = patch.get(2).textValue();
                if (del > 0) {
                    remote.apply(editor.delete(pos, del));
                }
                if (!ins.isEmpty()) {
                    remote.apply(editor.insert(pos, ins));
                }
                if (++seen == half) {
                    halfState = editor.encodeState();
                }
            }
        }
        String end = trace.get("endContent").textValue();
        assertEquals(end, editor.text(), file.getFileName() + ": the editing replica");
        assertEquals(end, remote.text(), file.getFileName() + ": the replica that applied every operation remotely");
        assertEquals(editor.length(), end.codePointCount(0, end.length()));

        TextReplica restored = (TextReplica) type.decodeState(ReplicaContext.of("restored"), editor.encodeState());
        assertEquals(end, restored.text(), file.getFileName() + ": decoded from the final state");

        TextReplica late = (TextReplica) type.decodeState(ReplicaContext.of("late"), halfState);
        late.merge(remote.encodeState());
        assertEquals(end, late.text(), file.getFileName() + ": half the history merged with the full state");
        assertEquals(editor.version(), late.version());
    }
}

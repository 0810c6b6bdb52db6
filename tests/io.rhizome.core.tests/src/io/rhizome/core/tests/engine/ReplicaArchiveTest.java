package io.rhizome.core.tests.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;

import io.rhizome.api.ReplicaArchive;
import io.rhizome.api.SyncException;
import io.rhizome.api.SyncService;

/**
 * The log read out for a backup and put back on a fresh replica: the same change sets under the same
 * streams, so the restored replica exports exactly what the original did for every type, and when it
 * later syncs with a surviving device everything they share is a duplicate (counters not doubled).
 */
class ReplicaArchiveTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Predicate<String> NOT_LOCAL = ns -> !ns.equals("private");

    private Mesh mesh;

    @BeforeEach
    void setUp() throws Exception {
        mesh = new Mesh();
    }

    @AfterEach
    void tearDown() {
        mesh.close();
    }

    private static void writeEveryType(SyncService s, String tag, int n) throws Exception {
        s.increment("gc", "k", 3);
        s.increment("pc", "k", -2);
        s.add("gs", "k", TextNode.valueOf(tag + n));
        s.add("os", "k", TextNode.valueOf(tag + n));
        s.put("reg", "k", TextNode.valueOf(tag + n));
        s.put("mv", "k", TextNode.valueOf(tag + n));
        s.setField("lm", "k", tag + n, IntNode.valueOf(n));
        s.mutate("om", "k", JSON.readTree("{\"op\":\"update\",\"key\":\"hits\",\"type\":\"g-counter\",\"intent\":{\"op\":\"increment\",\"by\":1}}"));
        s.insertValues("ls", "k", 0, List.of(TextNode.valueOf(tag + n)));
        s.insertText("tx", "k", 0, tag + n);
    }

    private static Map<String, JsonNode> exports(SyncService s) {
        Map<String, JsonNode> out = new HashMap<>();
        for (String ns : Mesh.NAMESPACES.keySet()) {
            for (String key : s.keys(ns)) {
                out.put(ns + "/" + key, s.exportValue(ns, key).orElseThrow());
            }
        }
        return out;
    }

    /** A's local-only stream never reaches C; everything else does. */
    private void awaitCHoldsAllOfA() {
        io.rhizome.testsupport.Await.until(Mesh.WAIT, "C holds every shared change set of A", () -> {
            Map<String, Long> shared = new HashMap<>(mesh.node("A").engine().versions());
            shared.remove("private|A");
            return shared.equals(mesh.node("C").engine().versions());
        });
    }

    private static List<ReplicaArchive.Entry> read(ReplicaArchive archive, Map<String, Long> above) {
        List<ReplicaArchive.Entry> out = new ArrayList<>();
        archive.read(above, NOT_LOCAL, out::add);
        return out;
    }

    @Test
    void fullAndIncrementalRestoreEqualsTheOriginalAndSyncsWithASurvivorWithoutDoubling() throws Exception {
        SyncService a = mesh.start("A").service();
        SyncService c = mesh.start("C").service();
        writeEveryType(a, "a", 1);
        writeEveryType(c, "c", 1);
        a.put("private", "k", TextNode.valueOf("never backed up"));
        mesh.connect("A", "C");
        awaitCHoldsAllOfA();
        ReplicaArchive archive = mesh.node("A").engine().archive();

        Map<String, Long> atFull = archive.versions();
        List<ReplicaArchive.Entry> full = read(archive, Map.of());
        assertTrue(full.stream().noneMatch(e -> e.namespace().equals("private")), "local-only data left out");
        assertTrue(full.stream().anyMatch(e -> e.stream().endsWith("|C")), "the survivor's change sets are in it too");

        writeEveryType(a, "a", 2);
        awaitCHoldsAllOfA();
        List<ReplicaArchive.Entry> incremental = read(archive, atFull);
        assertEquals(Mesh.NAMESPACES.size(), incremental.size(), "only the ten change sets written since");
        for (ReplicaArchive.Entry e : incremental) {
            assertTrue(e.seq() > atFull.getOrDefault(e.stream(), 0L), e.stream() + "#" + e.seq());
        }

        SyncService r = mesh.start("R").service();
        ReplicaArchive restored = mesh.node("R").engine().archive();
        assertEquals(full.size(), restored.restore(full).applied());
        assertEquals(incremental.size(), restored.restore(incremental).applied());
        assertEquals(exports(a), exports(r), "restore equals the original, every type");
        assertFalse(r.get("private", "k").isPresent());
        assertEquals(9L, r.get("gc", "k").orElseThrow().asLong(), "A's 3+3 and C's 3");
        assertEquals(0, restored.restore(incremental).applied(), "a second restore of the same change sets adds nothing");

        // The restored device (a new identity) meets the surviving device: nothing is new to either.
        mesh.stop("A");
        writeEveryType(r, "r", 1);
        mesh.connect("R", "C");
        Map<String, List<String>> keys = new HashMap<>();
        Mesh.NAMESPACES.keySet().forEach(ns -> keys.put(ns, List.of("k")));
        mesh.awaitConverged(List.of("R", "C"), keys);
        mesh.awaitVersionsEqual("R", "C");
        assertEquals(12L, c.get("gc", "k").orElseThrow().asLong(), "9 restored + R's new 3, nothing counted twice");
        assertEquals(-8L, c.get("pc", "k").orElseThrow().asLong());
        assertEquals(4, c.get("om", "k").orElseThrow().path("hits").asLong());
        assertEquals(exports(c), exports(r));
    }

    @Test
    void aDamagedChangeSetIsRefusedNamingItsStreamAndNothingIsApplied() throws Exception {
        SyncService a = mesh.start("A").service();
        writeEveryType(a, "a", 1);
        List<ReplicaArchive.Entry> full = read(mesh.node("A").engine().archive(), Map.of());
        List<ReplicaArchive.Entry> damaged = new ArrayList<>(full);
        ReplicaArchive.Entry last = damaged.remove(damaged.size() - 1);
        byte[] bytes = last.changeSet();
        damaged.add(new ReplicaArchive.Entry(last.stream(), last.seq(), java.util.Arrays.copyOf(bytes, bytes.length / 2)));
        mesh.start("R");
        ReplicaArchive restored = mesh.node("R").engine().archive();
        SyncException e = assertThrows(SyncException.class, () -> restored.restore(damaged));
        assertTrue(e.getMessage().contains("refused"), e.getMessage());
        assertEquals(0L, restored.size(), "nothing of the refused call was written");
    }
}

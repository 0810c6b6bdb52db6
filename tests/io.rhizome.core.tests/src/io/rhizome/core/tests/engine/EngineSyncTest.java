package io.rhizome.core.tests.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;

import io.rhizome.api.ChangeEvent;
import io.rhizome.api.SyncException;
import io.rhizome.api.SyncService;
import io.rhizome.api.SyncState;
import io.rhizome.testsupport.Await;
import io.rhizome.testsupport.MemoryReplicaStore;

/** Engines over the in-memory transport: convergence, catch-up, partitions, restarts, atomicity. */
class EngineSyncTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private Mesh mesh;

    @BeforeEach
    void setUp() throws Exception {
        mesh = new Mesh();
    }

    @AfterEach
    void tearDown() {
        mesh.close();
    }

    private static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    /** Concurrent writes of one device on every built-in type; returns the keys written. */
    private static Map<String, List<String>> writeEveryType(SyncService s, String tag) {
        s.increment("gc", "k", 3);
        s.increment("pc", "k", -2);
        s.add("gs", "k", TextNode.valueOf(tag));
        s.add("os", "k", TextNode.valueOf(tag));
        s.remove("os", "k", TextNode.valueOf("shared"));
        s.put("reg", "k", TextNode.valueOf(tag));
        s.put("mv", "k", TextNode.valueOf(tag));
        s.setField("lm", "k", tag, IntNode.valueOf(1));
        s.mutate("om", "k", json("{\"op\":\"update\",\"key\":\"hits\",\"type\":\"g-counter\",\"intent\":{\"op\":\"increment\",\"by\":1}}"));
        s.insertValues("ls", "k", 0, List.of(TextNode.valueOf(tag)));
        s.insertText("tx", "k", 0, tag);
        Map<String, List<String>> keys = new java.util.HashMap<>();
        Mesh.NAMESPACES.keySet().forEach(ns -> keys.put(ns, List.of("k")));
        return keys;
    }

    @Test
    void concurrentWritesOnEveryTypeConvergeOnTwoEngines() throws Exception {
        SyncService a = mesh.start("A").service();
        SyncService b = mesh.start("B").service();
        a.add("os", "k", TextNode.valueOf("shared"));
        writeEveryType(a, "a");
        Map<String, List<String>> keys = writeEveryType(b, "b");
        mesh.connect("A", "B");
        mesh.awaitConverged(List.of("A", "B"), keys);
        mesh.awaitVersionsEqual("A", "B");

        assertEquals(6, a.get("gc", "k").orElseThrow().asLong(), "g-counter sums both increments");
        assertEquals(-4, a.get("pc", "k").orElseThrow().asLong());
        assertEquals(json("[\"a\",\"b\"]"), a.get("gs", "k").orElseThrow());
        assertEquals(2, a.get("ls", "k").orElseThrow().size());
        String text = a.get("tx", "k").orElseThrow().asText();
        assertTrue(text.equals("ab") || text.equals("ba"), text);
        assertEquals(2, a.get("om", "k").orElseThrow().path("hits").asLong());
        assertEquals(json("{\"a\":1,\"b\":1}"), a.get("lm", "k").orElseThrow());
        assertEquals(2, a.get("mv", "k").orElseThrow().size(), "mv-register keeps both concurrent values");
        assertTrue(a.get("os", "k").orElseThrow().toString().contains("shared") == false
                || b.get("os", "k").orElseThrow().toString().contains("shared"), "or-set agrees");
    }

    @Test
    void threeEnginesConvergeThroughARelay() throws Exception {
        mesh.start("A");
        mesh.start("B");
        mesh.start("C");
        mesh.connect("A", "B");
        mesh.connect("B", "C");
        writeEveryType(mesh.node("A").service(), "a");
        writeEveryType(mesh.node("B").service(), "b");
        Map<String, List<String>> keys = writeEveryType(mesh.node("C").service(), "c");
        mesh.awaitConverged(List.of("A", "B", "C"), keys);
        mesh.awaitVersionsEqual("A", "C");
        assertEquals(9, mesh.value("C", "gc", "k").orElseThrow().asLong(), "A's writes reached C through B");
    }

    @Test
    void aPeerOfflineFor100000WritesCatchesUp() throws Exception {
        SyncService a = mesh.start("A").service();
        mesh.start("B");
        ExecutorService writers = Executors.newFixedThreadPool(4);
        List<Future<?>> done = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            int writer = w;
            done.add(writers.submit(() -> {
                for (int i = 0; i < 25_000; i++) {
                    a.put("reg", "w" + writer + "-" + (i % 500), IntNode.valueOf(i));
                }
            }));
        }
        for (Future<?> f : done) {
            f.get(5, TimeUnit.MINUTES);
        }
        writers.shutdown();
        assertEquals(100_000, mesh.node("A").engine().localChangeSetCount());
        assertEquals(100_000, a.status().pendingMutations(), "nothing acknowledged yet: all queued");

        mesh.connect("B", "A");
        mesh.awaitVersionsEqual("A", "B");
        for (int w = 0; w < 4; w++) {
            for (int k = 0; k < 500; k++) {
                assertEquals(a.get("reg", "w" + w + "-" + k), mesh.value("B", "reg", "w" + w + "-" + k));
            }
        }
        assertEquals(24_999, mesh.value("B", "reg", "w0-499").orElseThrow().asInt());
        Await.until(Mesh.WAIT, "A sees B's acknowledgement of everything", () -> a.status().pendingMutations() == 0);
    }

    @Test
    void aPartitionHealsAndReconnectsByItself() throws Exception {
        mesh.start("A");
        mesh.start("B");
        mesh.connect("A", "B");
        mesh.node("A").service().increment("gc", "k", 1);
        mesh.awaitConverged(List.of("A", "B"), Map.of("gc", List.of("k")));

        mesh.network.partition("A", "B");
        Await.until(Mesh.WAIT, "A sees the link go down", () -> mesh.node("A").service().status().connectedPeers() == 0);
        mesh.node("A").service().increment("gc", "k", 10);
        mesh.node("B").service().increment("gc", "k", 100);
        assertEquals(11, mesh.value("A", "gc", "k").orElseThrow().asLong());
        assertEquals(SyncState.OFFLINE, mesh.node("A").service().status().state());

        mesh.network.heal("A", "B");
        // No explicit connect: A remembers B's address and reconnects.
        Await.until(Mesh.WAIT, "both sides converge after the partition heals",
                () -> mesh.value("A", "gc", "k").orElseThrow().asLong() == 111 && mesh.value("B", "gc", "k").orElseThrow().asLong() == 111);
    }

    @Test
    void aRestartedEngineRecoversItsStateFromTheStore() throws Exception {
        SyncService a = mesh.start("A").service();
        for (int i = 0; i < 12_000; i++) {
            a.insertText("tx", "doc", i, "x");
        }
        a.put("reg", "k", TextNode.valueOf("v"));
        String before = a.get("tx", "doc").orElseThrow().asText();
        mesh.stop("A");
        SyncService again = mesh.start("A").service();
        assertEquals(before, again.get("tx", "doc").orElseThrow().asText());
        assertEquals("v", again.get("reg", "k").orElseThrow().asText());
        assertTrue(((MemoryReplicaStore) mesh.stores.get("A")).checkpointPosition() > 0, "checkpoints were taken");
        again.insertText("tx", "doc", 0, "y");
        assertEquals("y" + before, again.get("tx", "doc").orElseThrow().asText());
    }

    @Test
    void aTransactionIsAllOrNothing() throws Exception {
        SyncService a = mesh.start("A").service();
        a.put("reg", "x", IntNode.valueOf(1));
        SyncException e = assertThrows(SyncException.class, () -> a.transaction(tx -> {
            tx.put("reg", "x", IntNode.valueOf(2));
            tx.increment("gc", "n", 5);
            tx.insertText("tx", "doc", 99, "out of range");
            return null;
        }));
        assertEquals(SyncException.Reason.WRONG_OPERATION, e.reason());
        assertEquals(1, a.get("reg", "x").orElseThrow().asInt(), "the first write of the failed transaction is undone");
        assertTrue(a.get("gc", "n").isEmpty());
        assertEquals(1, mesh.node("A").engine().localChangeSetCount());

        a.transaction(tx -> tx.put("reg", "x", IntNode.valueOf(3)).increment("gc", "n", 5));
        assertEquals(3, a.get("reg", "x").orElseThrow().asInt());
        assertEquals(5, a.get("gc", "n").orElseThrow().asInt());
    }

    @Test
    void badWritesAreRefusedWithAReasonAndChangeNothing() throws Exception {
        mesh.allowUndeclared = false;
        SyncService a = mesh.start("A").service();
        SyncException unknown = assertThrows(SyncException.class, () -> a.put("nope", "k", IntNode.valueOf(1)));
        assertEquals(SyncException.Reason.UNKNOWN_NAMESPACE, unknown.reason());
        assertTrue(unknown.getMessage().contains("nope"), unknown.getMessage());
        SyncException wrongOp = assertThrows(SyncException.class, () -> a.add("gc", "k", IntNode.valueOf(1)));
        assertEquals(SyncException.Reason.WRONG_OPERATION, wrongOp.reason());
        assertTrue(wrongOp.getMessage().contains("g-counter"), wrongOp.getMessage());
        assertThrows(SyncException.class, () -> a.delete("gc", "k"));
        assertEquals(0, mesh.node("A").engine().localChangeSetCount());
        assertTrue(a.keys("gc").isEmpty());
    }

    @Test
    void aStoreFailureLosesNoAcknowledgedWriteAndLeavesNoPhantom() throws Exception {
        SyncService a = mesh.start("A").service();
        a.put("reg", "k", IntNode.valueOf(1));
        MemoryReplicaStore store = (MemoryReplicaStore) mesh.stores.get("A");
        store.failNextAppends(true);
        SyncException e = assertThrows(SyncException.class, () -> a.put("reg", "k", IntNode.valueOf(2)));
        assertEquals(SyncException.Reason.STORAGE, e.reason());
        assertEquals(1, a.get("reg", "k").orElseThrow().asInt(), "the failed write is not visible");
        store.failNextAppends(false);
        a.put("reg", "k", IntNode.valueOf(3));
        assertEquals(3, a.get("reg", "k").orElseThrow().asInt());
    }

    @Test
    void localOnlyNamespacesNeverLeaveTheDevice() throws Exception {
        SyncService a = mesh.start("A").service();
        mesh.start("B");
        a.put("private", "secret", TextNode.valueOf("s"));
        a.put("reg", "public", TextNode.valueOf("p"));
        mesh.connect("A", "B");
        Await.until(Mesh.WAIT, "the public value arrives", () -> mesh.value("B", "reg", "public").isPresent());
        mesh.node("A").service().forceSync();
        mesh.awaitConverged(List.of("A", "B"), Map.of("reg", List.of("public")));
        assertFalse(mesh.value("B", "private", "secret").isPresent());
        assertFalse(mesh.node("B").engine().versions().keySet().stream().anyMatch(s -> s.startsWith("private|")));
    }

    @Test
    void listenersSeeLocalAndRemoteChangesInOrder() throws Exception {
        SyncService a = mesh.start("A").service();
        SyncService b = mesh.start("B").service();
        List<ChangeEvent> seen = new CopyOnWriteArrayList<>();
        try (AutoCloseable reg = a.addChangeListener("reg", seen::add)) {
            a.put("reg", "one", IntNode.valueOf(1));
            b.put("reg", "two", IntNode.valueOf(2));
            b.increment("gc", "ignored", 2);
            mesh.connect("A", "B");
            Await.until(Mesh.WAIT, "both changes reach A's listener", () -> seen.size() >= 2);
        }
        assertEquals(new ChangeEvent("reg", "one", ChangeEvent.Origin.LOCAL, "A"), seen.get(0));
        assertEquals(new ChangeEvent("reg", "two", ChangeEvent.Origin.REMOTE, "B"), seen.get(1));
        assertEquals(2, seen.size());
    }

    @Test
    void anUntrustedPeerIsRefusedAndNothingIsApplied() throws Exception {
        mesh.untrusted.add("EVE");
        SyncService a = mesh.start("A").service();
        SyncService eve = mesh.start("EVE").service();
        eve.put("reg", "k", TextNode.valueOf("evil"));
        a.put("reg", "mine", TextNode.valueOf("secret"));
        mesh.connect("EVE", "A");
        Await.until(Mesh.WAIT, "A records the refusal", () -> a.status().lastError().isPresent());
        assertTrue(mesh.node("A").engine().rejectedRemoteCount() > 0);
        assertTrue(a.get("reg", "k").isEmpty(), "nothing from the untrusted peer was applied");
        assertTrue(eve.get("reg", "mine").isEmpty(), "nothing was sent to the untrusted peer");
        Optional<String> error = a.status().lastError();
        assertTrue(error.isPresent() && error.get().contains("not trusted"), error.toString());
    }

    @Test
    void writesFromManyThreadsAreAllDurableAndOrdered() throws Exception {
        SyncService a = mesh.start("A").service();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            fs.add(pool.submit(() -> {
                for (int i = 0; i < 500; i++) {
                    a.increment("gc", "total", 1);
                }
            }));
        }
        for (Future<?> f : fs) {
            f.get(2, TimeUnit.MINUTES);
        }
        pool.shutdown();
        assertEquals(4000, a.get("gc", "total").orElseThrow().asLong());
        assertEquals(4000L, mesh.node("A").engine().versions().get("gc|A"));
        assertEquals(4000, mesh.stores.get("A").head());
    }
}

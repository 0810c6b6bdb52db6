package io.rhizome.core.tests.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import io.rhizome.api.HeldBack;
import io.rhizome.api.PeerStatus;
import io.rhizome.api.StreamEvent;
import io.rhizome.api.SyncException;
import io.rhizome.api.SyncState;
import io.rhizome.api.SyncStatus;
import io.rhizome.core.internal.engine.SyncEngine;
import io.rhizome.core.internal.protocol.ProtocolException;
import io.rhizome.spi.namespace.NamespaceDefinition;
import io.rhizome.testsupport.Await;

/**
 * Issue #10, "no stream held hostage": a stream the receiver refuses waits alone, every other
 * stream goes on, both sides show the refusal in status and as events, and the stream resumes by
 * itself once its cause is gone — without a restart or a reconnect.
 */
class HeldStreamTest {

    private Mesh mesh;

    @BeforeEach
    void setUp() throws Exception {
        mesh = new Mesh();
    }

    @AfterEach
    void tearDown() {
        mesh.close();
    }

    private static Optional<PeerStatus> peer(SyncStatus s, String id) {
        return s.peers().stream().filter(p -> p.peerId().equals(id)).findFirst();
    }

    private static List<HeldBack> held(SyncStatus s, String peer, HeldBack.Direction d) {
        return peer(s, peer).map(PeerStatus::heldBack).orElse(List.of()).stream().filter(h -> h.direction() == d).toList();
    }

    @Test
    void aNamespaceOfAnotherTypeHoldsOnlyItsStreamAndResumesOnceDeclaredAlikeWithoutARestart() throws Exception {
        mesh.extraNamespaces = id -> List.of(NamespaceDefinition.of("orders", id.equals("A") ? "lww-register" : "pn-counter"));
        var a = mesh.start("A").service();
        var b = mesh.start("B").service();
        List<StreamEvent> eventsOnB = new CopyOnWriteArrayList<>();
        b.addStreamListener(eventsOnB::add);
        a.put("orders", "o1", TextNode.valueOf("lww on A"));
        a.put("reg", "x", IntNode.valueOf(7));
        a.increment("gc", "k", 3);
        mesh.connect("A", "B");

        Await.until(Mesh.WAIT, "the other streams of A reach B", () -> mesh.value("B", "reg", "x").map(JsonNode::asInt).orElse(0) == 7
                && mesh.value("B", "gc", "k").map(JsonNode::asLong).orElse(0L) == 3);
        Await.until(Mesh.WAIT, "both sides show orders|A held back", () -> held(b.status(), "A", HeldBack.Direction.INCOMING).size() == 1
                && held(a.status(), "B", HeldBack.Direction.OUTGOING).size() == 1);
        HeldBack in = held(b.status(), "A", HeldBack.Direction.INCOMING).get(0);
        assertEquals("orders", in.namespace());
        assertEquals("A", in.author());
        assertEquals(1, in.seq());
        assertEquals(ProtocolException.UNKNOWN_NAMESPACE, in.code());
        assertTrue(in.reason().contains("pn-counter") && in.reason().contains("lww-register"), in.reason());
        HeldBack out = held(a.status(), "B", HeldBack.Direction.OUTGOING).get(0);
        assertEquals("orders", out.namespace());
        assertEquals(in.reason(), out.reason(), "the sender sees the receiver's reason");
        assertEquals(SyncState.ERROR, a.status().state(), "a held-back stream is not 'idle'");
        assertTrue(a.status().lastError().orElse("").contains("orders"), a.status().lastError().toString());
        assertEquals(1, peer(a.status(), "B").orElseThrow().pendingEvents(), "exactly the refused change set is pending");
        assertFalse(mesh.node("B").engine().versions().containsKey("orders|A"));
        Await.until(Mesh.WAIT, "B's listeners heard of the refusal",
                () -> eventsOnB.stream().anyMatch(e -> e.namespace().equals("orders") && e.reason().isPresent()));

        // Writes after the refusal in other namespaces keep flowing; more of the refused stream waits with it.
        a.put("orders", "o2", TextNode.valueOf("second"));
        a.put("reg", "x", IntNode.valueOf(8));
        Await.until(Mesh.WAIT, "a later write in another namespace arrives",
                () -> mesh.value("B", "reg", "x").map(JsonNode::asInt).orElse(0) == 8);

        // B fixes its declaration: the stream resumes by itself, without restart or reconnect.
        var sessionBefore = mesh.node("A").orchestrator().session("B").orElseThrow();
        mesh.node("B").engine().catalog().putSource("fix", 10, List.of(NamespaceDefinition.of("orders", "lww-register")));
        Await.until(Mesh.WAIT, "orders|A arrives on B once B declares it alike",
                () -> mesh.value("B", "orders", "o2").map(JsonNode::asText).orElse("").equals("second"));
        assertEquals("lww on A", mesh.value("B", "orders", "o1").orElseThrow().asText());
        Await.until(Mesh.WAIT, "nothing is held back any more, nothing pending", () -> held(a.status(), "B", HeldBack.Direction.OUTGOING).isEmpty()
                && held(b.status(), "A", HeldBack.Direction.INCOMING).isEmpty() && a.status().pendingMutations() == 0);
        assertTrue(sessionBefore == mesh.node("A").orchestrator().session("B").orElseThrow(), "the same session: no reconnect");
        Await.until(Mesh.WAIT, "B's listeners heard that orders flows again",
                () -> eventsOnB.stream().anyMatch(e -> e.namespace().equals("orders") && e.reason().isEmpty()));
        mesh.awaitVersionsEqual("A", "B");
    }

    @Test
    void aHeldStreamIsRetriedByItselfWhenNothingTellsTheSender() throws Exception {
        var a = mesh.start("A").service();
        var b = mesh.start("B").service();
        mesh.untrusted.add("A"); // B's policy refuses what A sends
        a.put("reg", "x", IntNode.valueOf(1));
        mesh.connect("A", "B");
        Await.until(Mesh.WAIT, "A sees reg|A held back by B's policy", () -> held(a.status(), "B", HeldBack.Direction.OUTGOING).size() == 1);
        assertEquals(ProtocolException.REFUSED, held(a.status(), "B", HeldBack.Direction.OUTGOING).get(0).code());
        assertTrue(held(b.status(), "A", HeldBack.Direction.INCOMING).get(0).reason().contains("policy"));
        // The policy changes its mind without telling the engine: A's periodic retry alone brings the stream across.
        mesh.untrusted.remove("A");
        Await.until(Mesh.WAIT, "the periodic retry delivers it", () -> mesh.value("B", "reg", "x").isPresent());
        Await.until(Mesh.WAIT, "and the hold is gone on both sides", () -> held(a.status(), "B", HeldBack.Direction.OUTGOING).isEmpty()
                && held(b.status(), "A", HeldBack.Direction.INCOMING).isEmpty());
    }

    @Test
    void aClockBeyondTheDriftLimitIsToldByItsPeerStopsWritingAndIsAdmittedOnceWithinTheLimit() throws Exception {
        long ahead = Mesh.MAX_DRIFT_MILLIS + 120_000;
        mesh.clockOffsets.computeIfAbsent("A", x -> new java.util.concurrent.atomic.AtomicLong()).set(ahead);
        var a = mesh.start("A").service();
        var b = mesh.start("B").service();
        // Written before A heard of any peer: stamped 7 minutes ahead.
        a.put("reg", "x", IntNode.valueOf(1));
        a.increment("gc", "k", 1);
        b.put("reg", "y", IntNode.valueOf(2));
        mesh.connect("A", "B");

        Await.until(Mesh.WAIT, "B's own stream reaches A (the skew holds only A's streams)",
                () -> mesh.value("A", "reg", "y").map(JsonNode::asInt).orElse(0) == 2);
        Await.until(Mesh.WAIT, "B refuses both of A's streams for the clock", () -> held(b.status(), "A", HeldBack.Direction.INCOMING).size() == 2);
        for (HeldBack h : held(b.status(), "A", HeldBack.Direction.INCOMING)) {
            assertEquals(ProtocolException.CLOCK_DRIFT, h.code(), h.toString());
        }
        Await.until(Mesh.WAIT, "A says its clock is refused", () -> a.status().clockProblem().isPresent());
        assertTrue(a.status().clockProblem().get().contains("ahead"), a.status().clockProblem().get());
        long before = mesh.node("A").engine().localChangeSetCount();
        SyncException refused = assertThrows(SyncException.class, () -> a.put("reg", "z", IntNode.valueOf(3)));
        assertEquals(SyncException.Reason.CLOCK_SKEW, refused.reason());
        assertTrue(refused.getMessage().contains("clock"), refused.getMessage());
        assertEquals(before, mesh.node("A").engine().localChangeSetCount(), "nothing was stamped");
        assertTrue(a.get("reg", "z").isEmpty());

        // Time passes on B until A's stamps are within the limit: admitted without any restart.
        mesh.clockOffsets.get("B").set(ahead - 60_000);
        Await.until(Mesh.WAIT, "A's held change sets are admitted", () -> mesh.value("B", "reg", "x").map(JsonNode::asInt).orElse(0) == 1
                && mesh.value("B", "gc", "k").map(JsonNode::asLong).orElse(0L) == 1);
        Await.until(Mesh.WAIT, "A no longer reports a clock problem", () -> a.status().clockProblem().isEmpty());
        a.put("reg", "z", IntNode.valueOf(3));
        Await.until(Mesh.WAIT, "and A writes again", () -> mesh.value("B", "reg", "z").isPresent());
        Await.until(Mesh.WAIT, "nothing held back", () -> held(b.status(), "A", HeldBack.Direction.INCOMING).isEmpty());
    }

    @Test
    void aTransactionLargerThanAChangeSetMayBeIsRefusedWhenWrittenAndNothingIsWritten() throws Exception {
        mesh.start("A");
        SyncEngine engine = mesh.node("A").engine();
        var versions = engine.versions();
        StringBuilder big = new StringBuilder();
        for (int i = 0; i < SyncEngine.MAX_CHANGE_SET_BYTES / 64 + 1; i++) {
            big.append("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
        }
        ObjectNode set = JsonNodeFactory.instance.objectNode().put("op", "set").put("value", big.toString());
        SyncException e = assertThrows(SyncException.class, () -> engine.write(List.of(new SyncEngine.LocalWrite("reg", "big", set),
                new SyncEngine.LocalWrite("gc", "k", JsonNodeFactory.instance.objectNode().put("op", "increment").put("by", 1)))));
        assertEquals(SyncException.Reason.VALUE_TOO_LARGE, e.reason());
        assertTrue(e.getMessage().contains("'reg'") && e.getMessage().contains(String.valueOf(SyncEngine.MAX_CHANGE_SET_BYTES)),
                e.getMessage());
        assertEquals(versions, engine.versions(), "nothing of the transaction was written");
        assertTrue(engine.get("reg", "big").isEmpty());
        assertTrue(engine.get("gc", "k").isEmpty());
        // The same engine goes on writing.
        engine.write(List.of(new SyncEngine.LocalWrite("gc", "k", JsonNodeFactory.instance.objectNode().put("op", "increment").put("by", 1))));
        assertEquals(1, engine.get("gc", "k").orElseThrow().asLong());
        assertEquals(Map.of("gc|A", 1L), engine.versions());
    }

    @Test
    void localOnlyWritesAreNeverPending() throws Exception {
        var a = mesh.start("A").service();
        for (int i = 0; i < 20; i++) {
            a.put("private", "k" + i, IntNode.valueOf(i));
        }
        assertEquals(0, a.status().pendingMutations(), "local-only writes wait for nobody");
        a.put("reg", "x", IntNode.valueOf(1));
        assertEquals(1, a.status().pendingMutations(), "a syncing write with no peer yet is pending");
        mesh.start("B");
        mesh.connect("A", "B");
        Await.until(Mesh.WAIT, "B acknowledges it; the local-only ones never count",
                () -> a.status().pendingMutations() == 0 && peer(a.status(), "B").flatMap(PeerStatus::lastSync).isPresent());
        var first = peer(a.status(), "B").orElseThrow().lastSync().orElseThrow();
        Await.until(Mesh.WAIT, "the wall clock moves past the first sync", () -> System.currentTimeMillis() > first.toEpochMilli());
        a.put("reg", "x", IntNode.valueOf(2));
        Await.until(Mesh.WAIT, "last sync advances with every exchange",
                () -> peer(a.status(), "B").flatMap(PeerStatus::lastSync).map(t -> t.isAfter(first)).orElse(false));
        Await.until(Mesh.WAIT, "the second write is acknowledged", () -> mesh.value("B", "reg", "x").map(JsonNode::asInt).orElse(0) == 2
                && a.status().pendingMutations() == 0);
    }
}

package io.rhizome.core.tests.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;

import io.rhizome.core.internal.engine.ChangeSet;
import io.rhizome.core.internal.engine.ChangeSetCodec;
import io.rhizome.core.internal.engine.Envelope;
import io.rhizome.core.internal.engine.SyncEngine;
import io.rhizome.core.internal.protocol.Message;
import io.rhizome.core.internal.protocol.MessageCodec;
import io.rhizome.core.internal.protocol.ProtocolException;
import io.rhizome.spi.store.LogEntry;
import io.rhizome.testsupport.Await;
import io.rhizome.transport.memory.MemoryNetwork;

/**
 * A real node ("A") attacked over the memory transport by a {@link Rogue} that speaks raw protocol,
 * while an honest node ("HONEST") is connected to it. Every attack must be answered with a protocol
 * error (or a close), change nothing on A, and leave A serving HONEST.
 *
 * <p>Well-formed change sets for the attacks come from the log of a third node ("M") that is on
 * the network but connected to nobody; the rogue relays, corrupts or rearranges them.
 */
class HostileInputTest {

    private static final ChangeSetCodec CODEC = new ChangeSetCodec();
    private Mesh mesh;
    private Rogue rogue;
    private final Map<String, byte[]> fromM = new HashMap<>();
    private int honestRounds;

    /** Starts M (writes its change sets), A and HONEST (connected, in sync), and the rogue's endpoint. */
    private void setUp(MemoryNetwork network) throws Exception {
        setUp(network, false);
    }

    private void setUp(MemoryNetwork network, boolean allowUndeclaredOnA) throws Exception {
        mesh = new Mesh(network);
        mesh.allowUndeclared = true;
        var m = mesh.start("M").service();
        m.put("reg", "x", IntNode.valueOf(1));
        m.put("reg", "x", IntNode.valueOf(2));
        m.put("reg", "x", IntNode.valueOf(3));
        m.increment("gc", "k", 5);
        m.put("nope", "k", TextNode.valueOf("undeclared on A"));
        for (LogEntry e : mesh.stores.get("M").read(0, 100, 1 << 24)) {
            fromM.put(e.stream() + "#" + e.seq(), e.payload());
        }
        assertEquals(6, fromM.size(), "five change sets, and the declaration that auto-creating 'nope' published");
        assertTrue(fromM.containsKey("rhizome.namespaces|M#1"), fromM.keySet().toString());

        mesh.allowUndeclared = allowUndeclaredOnA;
        var a = mesh.start("A").service();
        mesh.allowUndeclared = false;
        mesh.start("HONEST");
        a.increment("gc", "k", 1);
        a.put("reg", "a", TextNode.valueOf("a"));
        mesh.connect("HONEST", "A");
        mesh.awaitVersionsEqual("A", "HONEST");
        rogue = new Rogue(mesh.network, "ROGUE");
    }

    private void setUp() throws Exception {
        setUp(new MemoryNetwork());
    }

    @AfterEach
    void tearDown() {
        if (rogue != null) {
            rogue.close();
        }
        if (mesh != null) {
            mesh.close();
        }
    }

    // ------------------------------------------------------------------ state of A

    private record State(Map<String, Long> versions, long head, long appliedRemote, Map<String, Optional<JsonNode>> values) {
    }

    private State stateOfA() throws Exception {
        SyncEngine e = mesh.node("A").engine();
        Map<String, Optional<JsonNode>> values = new HashMap<>();
        for (String nsKey : List.of("reg/x", "reg/a", "gc/k", "nope/k")) {
            String[] p = nsKey.split("/");
            values.put(nsKey, e.get(p[0], p[1]));
        }
        return new State(e.versions(), e.logHead(), e.appliedRemoteCount(), values);
    }

    private void assertUnchanged(State before) throws Exception {
        assertEquals(before, stateOfA(), "the attack changed nothing on A");
    }

    /** HONEST and A still exchange writes both ways. */
    private void assertHonestPeerKeepsSyncing() {
        honestRounds++;
        long round = honestRounds;
        mesh.node("HONEST").service().increment("gc", "honest", 1);
        mesh.node("A").service().increment("gc", "fromA", 1);
        Await.until(Mesh.WAIT, "HONEST's write reaches A and A's reaches HONEST",
                () -> mesh.value("A", "gc", "honest").map(JsonNode::asLong).orElse(0L) == round
                        && mesh.value("HONEST", "gc", "fromA").map(JsonNode::asLong).orElse(0L) == round);
        assertTrue(mesh.node("A").orchestrator().session("HONEST").map(s -> s.isOpen()).orElse(false), "A's session with HONEST is still open");
    }

    private static void assertError(Message.Error e, String code, boolean fatal, long batchId) {
        assertEquals(code, e.code(), "error code of " + e);
        assertEquals(fatal, e.fatal(), "fatal flag of " + e);
        assertEquals(batchId, e.batchId(), "batch id of " + e);
        assertFalse(e.message().isBlank(), "the error says what was wrong");
    }

    private static byte[] envelopeWith(ChangeSet cs) {
        return CODEC.encode(new Envelope(Envelope.VERSION, cs.namespace(), cs.author(), cs.seq(), Envelope.PLAIN_EPOCH, CODEC.encode(cs)));
    }

    private ChangeSet changeSetOf(String streamSeq) throws Exception {
        return CODEC.decodeChangeSet(CODEC.decodeEnvelope(fromM.get(streamSeq)).body());
    }

    // ------------------------------------------------------------------ framing

    @Test
    void garbageFromALinkIsAnsweredWithAnErrorAndTheNodeKeepsServingOthers() throws Exception {
        setUp();
        State before = stateOfA();
        rogue.dial("A").handshake();
        byte[] garbage = new byte[4096];
        new Random(3).nextBytes(garbage);
        garbage[0] = (byte) 0xFF; // a CBOR "break" byte where an item must start: never valid
        rogue.raw(garbage);
        assertError(rogue.await(Message.Error.class), ProtocolException.MALFORMED, true, -1);
        rogue.awaitClosed();
        assertUnchanged(before);
        assertHonestPeerKeepsSyncing();
        assertTrue(mesh.node("A").service().status().lastError().orElse("").contains("ROGUE"), "A records whose link failed");
    }

    @Test
    void garbageBeforeTheHandshakeIsAnsweredWithAnError() throws Exception {
        setUp();
        State before = stateOfA();
        rogue.dial("A");
        rogue.raw(new byte[] { 0x00, 0x01, 0x02 });
        assertError(rogue.await(Message.Error.class), ProtocolException.MALFORMED, true, -1);
        rogue.awaitClosed();
        assertUnchanged(before);
        assertHonestPeerKeepsSyncing();
    }

    @Test
    void aTruncatedFrameIsRefused() throws Exception {
        setUp();
        State before = stateOfA();
        rogue.dial("A").handshake();
        byte[] whole = rogue.encode(new Message.EventBatch(1, List.of(fromM.get("reg|M#1"), fromM.get("reg|M#2")), false));
        rogue.raw(Arrays.copyOf(whole, whole.length / 2));
        Message.Error e = rogue.await(Message.Error.class);
        assertError(e, ProtocolException.MALFORMED, true, -1);
        rogue.awaitClosed();
        assertUnchanged(before);
        assertHonestPeerKeepsSyncing();
    }

    @Test
    void anOversizedFrameIsRefused() throws Exception {
        // A network that carries more than the protocol allows, so that the engine's own limit is what refuses.
        setUp(new MemoryNetwork(MessageCodec.MAX_FRAME_BYTES + 4096));
        State before = stateOfA();
        rogue.dial("A").handshake();
        byte[] huge = new byte[MessageCodec.MAX_FRAME_BYTES + 1];
        byte[] start = rogue.encode(new Message.EventBatch(1, List.of(fromM.get("reg|M#1")), false));
        System.arraycopy(start, 0, huge, 0, start.length);
        rogue.raw(huge);
        Message.Error e = rogue.await(Message.Error.class);
        assertError(e, ProtocolException.TOO_LARGE, true, -1);
        assertTrue(e.message().contains(String.valueOf(MessageCodec.MAX_FRAME_BYTES)), e.message());
        rogue.awaitClosed();
        assertUnchanged(before);
        assertHonestPeerKeepsSyncing();
    }

    // ------------------------------------------------------------------ handshake

    @Test
    void aWrongProtocolVersionEndsWithAnErrorNamingBothVersions() throws Exception {
        setUp();
        State before = stateOfA();
        rogue.dial("A").send(new Message.Hello("2.0.0", "ROGUE", List.of("reg"), "future/9"));
        Message.Error e = rogue.await(Message.Error.class);
        assertError(e, ProtocolException.VERSION, true, -1);
        assertTrue(e.message().contains(Message.PROTOCOL_VERSION) && e.message().contains("2.0.0"), e.message());
        rogue.awaitClosed();
        assertUnchanged(before);
        assertHonestPeerKeepsSyncing();
    }

    @Test
    void aHelloClaimingAnotherDeviceIsRefused() throws Exception {
        setUp();
        State before = stateOfA();
        rogue.dial("A").send(new Message.Hello(Message.PROTOCOL_VERSION, "HONEST", List.of(), "impostor"));
        Message.Error e = rogue.await(Message.Error.class);
        assertError(e, ProtocolException.REFUSED, true, -1);
        assertTrue(e.message().contains("HONEST") && e.message().contains("ROGUE"), e.message());
        rogue.awaitClosed();
        assertUnchanged(before);
        assertHonestPeerKeepsSyncing();
    }

    @Test
    void anEventBatchBeforeHelloIsRefused() throws Exception {
        setUp();
        State before = stateOfA();
        rogue.dial("A").send(new Message.EventBatch(1, List.of(fromM.get("reg|M#1")), false));
        Message.Error e = rogue.await(Message.Error.class);
        assertError(e, ProtocolException.UNEXPECTED, true, -1);
        rogue.awaitClosed();
        assertUnchanged(before);
        assertHonestPeerKeepsSyncing();
    }

    // ------------------------------------------------------------------ batches

    /**
     * Issue #10, "no stream held hostage": a change set of a namespace A does not know refuses its
     * own stream only; the rest of the batch is applied, the ack names the refused stream, and A's
     * status shows it held back (until this commit the whole batch was refused).
     */
    @Test
    void aStreamOfAnUnknownNamespaceIsRefusedAloneAndTheRestOfTheBatchIsApplied() throws Exception {
        setUp();
        State before = stateOfA();
        rogue.dial("A").handshake();
        long bid = rogue.batch(List.of(fromM.get("reg|M#1"), fromM.get("nope|M#1"), fromM.get("reg|M#2")));
        Message.EventAck ack = rogue.awaitAck(bid);
        assertEquals(1, ack.refused().size(), "one refused stream: " + ack.refused());
        Message.Refusal refusal = ack.refused().get(0);
        assertEquals("nope|M", refusal.stream());
        assertEquals(1, refusal.seq());
        assertEquals(ProtocolException.UNKNOWN_NAMESPACE, refusal.code());
        assertTrue(refusal.message().contains("nope"), refusal.message());
        assertEquals(2L, ack.versions().get("reg|M"), "the other stream of the batch was applied");
        assertFalse(ack.versions().containsKey("nope|M"));
        assertEquals(2, mesh.value("A", "reg", "x").orElseThrow().asInt());
        assertFalse(mesh.node("A").engine().versions().containsKey("nope|M"), "nothing of the refused stream is held");
        assertEquals(before.head() + 2, mesh.node("A").engine().logHead(), "exactly the two accepted change sets were logged");
        var rogueStatus = mesh.node("A").service().status().peers().stream().filter(p -> p.peerId().equals("ROGUE")).findFirst()
                .orElseThrow();
        assertEquals(1, rogueStatus.heldBack().size(), rogueStatus.toString());
        assertEquals(io.rhizome.api.HeldBack.Direction.INCOMING, rogueStatus.heldBack().get(0).direction());
        assertEquals("nope", rogueStatus.heldBack().get(0).namespace());
        assertTrue(rogue.isOpen(), "a refused stream does not end the session");
        assertHonestPeerKeepsSyncing();
    }

    /** A batch whose every stream is refused applies nothing and is answered with an Error listing each refused stream. */
    @Test
    void aBatchWhoseEveryStreamIsRefusedIsAnsweredWithAnErrorListingThem() throws Exception {
        setUp();
        State before = stateOfA();
        rogue.dial("A").handshake();
        long bid = rogue.batch(List.of(fromM.get("nope|M#1")));
        Message.Error e = rogue.await(Message.Error.class);
        assertError(e, ProtocolException.UNKNOWN_NAMESPACE, false, bid);
        assertTrue(e.message().contains("nope"), e.message());
        assertEquals(List.of("nope|M"), e.refused().stream().map(Message.Refusal::stream).toList());
        assertUnchanged(before);
        assertTrue(rogue.isOpen(), "a refused batch does not end the session");
        assertHonestPeerKeepsSyncing();
    }

    @Test
    void aNamespaceNameThatNoNamespaceCanHaveIsRefusedEvenWhereUndeclaredNamespacesAreAllowed() throws Exception {
        setUp(new MemoryNetwork(), true);
        State before = stateOfA();
        ChangeSet reg = changeSetOf("reg|M#1");
        rogue.dial("A").handshake();
        for (String name : List.of("reg|x", "", "UPPER", "white space")) {
            ChangeSet bad = new ChangeSet(name, reg.author(), 1, reg.hlc(), Map.of(), reg.ops());
            long bid = rogue.batch(List.of(fromM.get("reg|M#1"), envelopeWith(bad)));
            Message.Error e = rogue.await(Message.Error.class);
            assertError(e, ProtocolException.INVALID_CHANGE_SET, false, bid);
            assertTrue(e.message().contains("'" + name + "'"), e.message());
            assertFalse(e.message().contains("Exception"), "a reason, not an internal exception: " + e.message());
            assertUnchanged(before);
        }
        assertHonestPeerKeepsSyncing();
    }

    @Test
    void aChangeSetWhoseOperationsDoNotMatchTheNamespaceTypeIsRefused() throws Exception {
        setUp();
        State before = stateOfA();
        ChangeSet reg = changeSetOf("reg|M#1");
        // lww-register operations, presented as a change set of the g-counter namespace "gc".
        ChangeSet disguised = new ChangeSet("gc", reg.author(), 1, reg.hlc(), Map.of(), reg.ops());
        rogue.dial("A").handshake();
        long bid = rogue.batch(List.of(envelopeWith(disguised)));
        Message.Error e = rogue.await(Message.Error.class);
        assertError(e, ProtocolException.UNKNOWN_NAMESPACE, false, bid);
        assertTrue(e.message().contains("g-counter") && e.message().contains("lww-register"), e.message());
        assertUnchanged(before);
        assertHonestPeerKeepsSyncing();
    }

    @Test
    void aGapInTheSequenceOrAMissingDependencyIsRefused() throws Exception {
        setUp();
        State before = stateOfA();
        rogue.dial("A").handshake();
        long gap = rogue.batch(List.of(fromM.get("reg|M#2"), fromM.get("reg|M#3")));
        Message.Error e = rogue.await(Message.Error.class);
        assertError(e, ProtocolException.MISSING_DEPENDENCIES, false, gap);
        assertTrue(e.message().contains("reg|M#2"), e.message());
        assertUnchanged(before);

        ChangeSet first = changeSetOf("reg|M#1");
        ChangeSet withDeps = new ChangeSet(first.namespace(), first.author(), 1, first.hlc(), Map.of("reg|Z", 7L), first.ops());
        long dep = rogue.batch(List.of(envelopeWith(withDeps)));
        e = rogue.await(Message.Error.class);
        assertError(e, ProtocolException.MISSING_DEPENDENCIES, false, dep);
        assertTrue(e.message().contains("reg|Z#7"), e.message());
        assertUnchanged(before);
        assertHonestPeerKeepsSyncing();
    }

    @Test
    void aReplayedBatchIsAcknowledgedAsHeldAndChangesNothing() throws Exception {
        setUp();
        rogue.dial("A").handshake();
        List<byte[]> batch = List.of(fromM.get("reg|M#1"), fromM.get("reg|M#2"), fromM.get("reg|M#3"), fromM.get("gc|M#1"));
        long first = rogue.batch(batch);
        Message.EventAck ack = rogue.awaitAck(first);
        assertEquals(3L, ack.versions().get("reg|M"));
        assertEquals(6, mesh.value("A", "gc", "k").orElseThrow().asLong());
        State before = stateOfA();

        long replay = rogue.batch(batch);
        Message.EventAck again = rogue.awaitAck(replay);
        assertEquals(ack.versions().get("reg|M"), again.versions().get("reg|M"));
        assertEquals(ack.versions().get("gc|M"), again.versions().get("gc|M"));
        long partly = rogue.batch(List.of(fromM.get("reg|M#2"), fromM.get("reg|M#3")));
        rogue.awaitAck(partly);
        assertUnchanged(before);
        assertEquals(6, mesh.value("A", "gc", "k").orElseThrow().asLong(), "re-delivered increments are not counted twice");
        assertEquals(3, mesh.value("A", "reg", "x").orElseThrow().asInt());
        assertHonestPeerKeepsSyncing();
        Await.until(Mesh.WAIT, "A relays M's change sets to HONEST exactly once",
                () -> mesh.value("HONEST", "gc", "k").map(JsonNode::asLong).orElse(0L) == 6);
    }

    @Test
    void malformedEnvelopeBytesAreRefusedAndNothingOfTheBatchIsApplied() throws Exception {
        setUp();
        State before = stateOfA();
        rogue.dial("A").handshake();
        byte[] valid = fromM.get("reg|M#1");
        List<byte[]> bad = new ArrayList<>();
        bad.add(new byte[] { (byte) 0xA1, 0x61, 0x78 }); // a map whose only key has no value
        bad.add(Arrays.copyOf(valid, valid.length - 3)); // a truncated envelope
        // The next ones claim #2, the successor of the valid #1 before them (a second #1 would be a
        // duplicate, skipped unread by design).
        bad.add(CODEC.encode(new Envelope(99, "reg", "M", 2, Envelope.PLAIN_EPOCH, new byte[] { 1 }))); // an unknown envelope version
        bad.add(CODEC.encode(new Envelope(Envelope.VERSION, "reg", "M", 2, Envelope.PLAIN_EPOCH, new byte[] { 1, 2, 3 }))); // a body that is no change set
        bad.add(CODEC.encode(new Envelope(Envelope.VERSION, "reg", "M", 2, 5, CODEC.decodeEnvelope(fromM.get("reg|M#2")).body()))); // sealed, no key
        bad.add(CODEC.encode(new Envelope(Envelope.VERSION, "reg", "M", 0, Envelope.PLAIN_EPOCH, new byte[] { 1 }))); // change-set number 0
        for (byte[] b : bad) {
            long bid = rogue.batch(List.of(valid, b));
            Message.Error e = rogue.await(Message.Error.class);
            assertEquals(bid, e.batchId());
            assertFalse(e.fatal(), e.toString());
            assertTrue(e.code().equals(ProtocolException.INVALID_CHANGE_SET), e.toString());
            assertUnchanged(before);
        }
        ChangeSet cs = changeSetOf("reg|M#1");
        ChangeSet lying = new ChangeSet("reg", "M", 2, cs.hlc(), Map.of(), cs.ops()); // body says #2, header #1
        long bid = rogue.batch(List.of(CODEC.encode(new Envelope(Envelope.VERSION, "reg", "M", 1, Envelope.PLAIN_EPOCH, CODEC.encode(lying)))));
        assertError(rogue.await(Message.Error.class), ProtocolException.INVALID_CHANGE_SET, false, bid);
        assertUnchanged(before);
        assertTrue(mesh.node("A").engine().rejectedRemoteCount() >= bad.size() + 1);
        assertHonestPeerKeepsSyncing();
    }

    @Test
    void anOperationThatFailsToDecodeInsideAMultiChangeSetBatchAppliesNothingOfTheBatch() throws Exception {
        setUp();
        rogue.dial("A").handshake();
        rogue.awaitAck(rogue.batch(List.of(fromM.get("reg|M#1"))));
        assertEquals(1, mesh.value("A", "reg", "x").orElseThrow().asInt());
        State before = stateOfA();

        ChangeSet third = changeSetOf("reg|M#3");
        List<ChangeSet.Op> corrupt = List.of(new ChangeSet.Op("x", "lww-register", new byte[] { 0x7F, 0x00, 0x13 }));
        byte[] broken = envelopeWith(new ChangeSet("reg", "M", 3, third.hlc(), third.deps(), corrupt));
        // #2 changes x (already held by A), gc#1 changes k (written locally by A): both must be undone.
        long bid = rogue.batch(List.of(fromM.get("reg|M#2"), fromM.get("gc|M#1"), broken));
        Message.Error e = rogue.await(Message.Error.class);
        assertError(e, ProtocolException.INVALID_CHANGE_SET, false, bid);
        assertUnchanged(before);
        assertEquals(1, mesh.value("A", "reg", "x").orElseThrow().asInt(), "x keeps the value before the batch");
        assertEquals(1, mesh.value("A", "gc", "k").orElseThrow().asLong(), "k keeps the value before the batch");
        assertFalse(mesh.node("A").engine().versions().containsKey("gc|M"));

        // The same change sets, valid this time: applied once each, on top of the restored state.
        rogue.awaitAck(rogue.batch(List.of(fromM.get("reg|M#2"), fromM.get("gc|M#1"), fromM.get("reg|M#3"))));
        assertEquals(3, mesh.value("A", "reg", "x").orElseThrow().asInt());
        assertEquals(6, mesh.value("A", "gc", "k").orElseThrow().asLong(), "no increment of the refused batch survived");
        assertEquals(3L, mesh.node("A").engine().versions().get("reg|M"));
        assertHonestPeerKeepsSyncing();
    }

    @Test
    void aNodeThatRestartsAfterARefusedBatchHasNoneOfIt() throws Exception {
        setUp();
        rogue.dial("A").handshake();
        ChangeSet third = changeSetOf("reg|M#3");
        byte[] broken = envelopeWith(new ChangeSet("reg", "M", 3, third.hlc(), third.deps(),
                List.of(new ChangeSet.Op("x", "lww-register", new byte[] { 0x7F }))));
        long bid = rogue.batch(List.of(fromM.get("reg|M#1"), fromM.get("reg|M#2"), broken));
        assertError(rogue.await(Message.Error.class), ProtocolException.INVALID_CHANGE_SET, false, bid);
        rogue.close();
        rogue = null;
        mesh.stop("A");
        mesh.start("A");
        assertTrue(mesh.value("A", "reg", "x").isEmpty(), "nothing of the refused batch reached the store");
        assertFalse(mesh.node("A").engine().versions().containsKey("reg|M"));
        assertEquals(1, mesh.value("A", "gc", "k").orElseThrow().asLong());
    }
}

package io.rhizome.core.tests.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.api.clock.HybridLogicalClock;
import io.rhizome.core.internal.engine.BatchRefusedException;
import io.rhizome.core.internal.engine.ChangeSetSealer;
import io.rhizome.core.internal.engine.EngineListener;
import io.rhizome.core.internal.engine.Inbox;
import io.rhizome.core.internal.engine.NamespaceCatalog;
import io.rhizome.core.internal.engine.Outbox;
import io.rhizome.core.internal.engine.SyncEngine;
import io.rhizome.core.internal.protocol.Message;
import io.rhizome.core.internal.protocol.MessageCodec;
import io.rhizome.core.internal.protocol.ProtocolException;
import io.rhizome.spi.namespace.NamespaceDefinition;
import io.rhizome.spi.namespace.SyncScope;
import io.rhizome.testsupport.Await;
import io.rhizome.testsupport.MemoryReplicaStore;

/**
 * Two engines exchanging change sets through {@link Outbox} and {@link Inbox} alone, as a
 * store-and-forward transport (a cloud folder, a relay) would: no session, no link, just "what
 * does B lack, as bytes" on one side and "here are bytes from A" on the other.
 */
class OutboxInboxTest {

    private static final long MAX = 16L << 20;

    private Mesh mesh;
    private SyncEngine a;
    private SyncEngine b;

    @BeforeEach
    void start() throws Exception {
        mesh = new Mesh();
        // A has a register and a counter namespace; B declares only the register and takes nothing undeclared.
        a = engine("A", List.of(NamespaceDefinition.of("reg", "lww-register"), NamespaceDefinition.of("gc", "g-counter")));
        b = engine("B", List.of(NamespaceDefinition.of("reg", "lww-register")));
    }

    @AfterEach
    void stop() {
        a.close();
        b.close();
        mesh.close();
    }

    private SyncEngine engine(String id, List<NamespaceDefinition> defs) throws Exception {
        NamespaceCatalog catalog = new NamespaceCatalog();
        catalog.defaults(new NamespaceCatalog.Defaults(false, "lww-register", SyncScope.FULL));
        catalog.putSource("test", 0, defs);
        SyncEngine e = new SyncEngine(id, new MemoryReplicaStore(), mesh::type, catalog, () -> ChangeSetSealer.PLAIN,
                () -> Optional.of(mesh.policy()), new HybridLogicalClock(System::currentTimeMillis, Mesh.MAX_DRIFT_MILLIS),
                new EngineListener() {
                }, new SyncEngine.Config(4096, 5000, 60_000));
        e.start();
        return e;
    }

    private static ObjectNode set(String value) {
        return JsonNodeFactory.instance.objectNode().put("op", "set").put("value", value);
    }

    /** What a store-and-forward transport writes for the peer: the batch as bytes. */
    private static byte[] asBytes(Outbox.Batch batch) {
        return new MessageCodec().encode(new Message.EventBatch(1, batch.changeSets(), true));
    }

    private static List<byte[]> fromBytes(byte[] bytes) throws ProtocolException {
        return assertInstanceOf(Message.EventBatch.class, new MessageCodec().decode(bytes)).changeSets();
    }

    @Test
    void changeSetsTravelAsBytesWithRefusalsAndAcknowledgementsAndNoSession() throws Exception {
        for (int i = 1; i <= 3; i++) {
            a.write(List.of(new SyncEngine.LocalWrite("reg", "k" + i, set("v" + i))));
        }
        a.write(List.of(new SyncEngine.LocalWrite("gc", "c", JsonNodeFactory.instance.objectNode().put("op", "increment").put("by", 2))));

        AtomicInteger woken = new AtomicInteger();
        Outbox toB = a.outbox("B", woken::incrementAndGet);
        toB.restart(0, Map.of());
        List<Outbox.TooLarge> tooLarge = new ArrayList<>();
        Outbox.Batch batch = toB.next(List.of(), s -> false, MAX, MAX, 1000, tooLarge::add).orElseThrow();
        assertEquals(4, batch.changeSets().size(), "everything A wrote, in one batch");
        assertEquals(Map.of("reg|A", new Outbox.First(0, 1), "gc|A", new Outbox.First(3, 1)), batch.firsts());
        assertTrue(toB.next(List.of(), s -> false, MAX, MAX, 1000, tooLarge::add).isEmpty(), "nothing more is pending");
        assertTrue(tooLarge.isEmpty());

        // B takes the register stream and refuses the counter stream: it does not know the namespace.
        Inbox.Received received = b.inbox().offerAndWait("A", fromBytes(asBytes(batch)));
        assertEquals(3, received.applied());
        assertEquals(0, received.duplicates());
        assertEquals(3L, received.versions().get("reg|A"));
        assertEquals(1, received.refusals().size());
        Message.Refusal refusal = received.refusals().get(0);
        assertEquals("gc|A", refusal.stream());
        assertEquals(1L, refusal.seq());
        assertEquals(ProtocolException.UNKNOWN_NAMESPACE, refusal.code());
        assertTrue(refusal.message().contains("unknown namespace 'gc'"), refusal.message());
        assertEquals("v2", b.get("reg", "k2").orElseThrow().asText());
        assertTrue(b.get("gc", "c").isEmpty(), "nothing of the refused stream was applied");

        // A learns the answer: what B acknowledged is not sent again, the refused stream is.
        toB.acknowledge(received.versions());
        toB.refused(refusal.stream(), refusal.seq());
        assertEquals(3L, toB.known().get("reg|A"));
        assertEquals(0L, toB.known().get("gc|A"));
        toB.restart(0, toB.known());
        Outbox.Batch again = toB.next(List.of(), s -> false, MAX, MAX, 1000, tooLarge::add).orElseThrow();
        assertEquals(Map.of("gc|A", new Outbox.First(3, 1)), again.firsts(), "only the refused stream is pending");
        assertArrayEquals(batch.changeSets().get(3), again.changeSets().get(0));

        // Offered alone, the refused stream refuses the whole offer, with the same reason; nothing changes.
        ExecutionException refused = assertThrows(ExecutionException.class,
                () -> b.inbox().offer("A", fromBytes(asBytes(again))).get(60, TimeUnit.SECONDS));
        BatchRefusedException whole = assertInstanceOf(BatchRefusedException.class, Inbox.asProtocolException(refused.getCause()));
        assertEquals(List.of("gc|A"), whole.refusals().stream().map(Message.Refusal::stream).toList());
        assertEquals(Map.of("reg|A", 3L), b.versions());

        // Offering what B holds already changes nothing either: duplicates.
        Inbox.Received duplicate = b.inbox().offerAndWait("A", fromBytes(asBytes(batch)).subList(0, 3));
        assertEquals(0, duplicate.applied());
        assertEquals(3, duplicate.duplicates());

        // A new write reaches the open outbox as it becomes durable, and only it is pending.
        int wakesBefore = woken.get();
        a.write(List.of(new SyncEngine.LocalWrite("reg", "k4", set("v4"))));
        Await.until(Mesh.WAIT, "the outbox is woken by the new log entry", () -> woken.get() > wakesBefore);
        toB.acknowledge(b.versions());
        toB.refused("gc|A", 1);
        Outbox.Batch live = toB.next(List.of(), s -> s.equals("gc|A"), MAX, MAX, 1000, tooLarge::add).orElseThrow();
        assertEquals(Map.of("reg|A", new Outbox.First(4, 4)), live.firsts());
        assertEquals(4L, b.inbox().offerAndWait("A", fromBytes(asBytes(live))).versions().get("reg|A"));
        assertEquals("v4", b.get("reg", "k4").orElseThrow().asText());
        toB.close();
    }
}

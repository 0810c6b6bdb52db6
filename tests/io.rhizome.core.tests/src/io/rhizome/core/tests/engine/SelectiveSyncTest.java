package io.rhizome.core.tests.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.util.tracker.ServiceTracker;

import com.fasterxml.jackson.databind.node.TextNode;

import io.rhizome.api.NamespaceInfo;
import io.rhizome.api.SyncException;
import io.rhizome.api.SyncService;
import io.rhizome.core.internal.engine.ChangeSetCodec;
import io.rhizome.core.internal.engine.CryptoSealer;
import io.rhizome.core.internal.engine.ScopePredicate;
import io.rhizome.core.internal.engine.ScopedBody;
import io.rhizome.core.internal.engine.ScopedEnvelope;
import io.rhizome.core.internal.engine.Streams;
import io.rhizome.core.internal.sync.PeerRecord;
import io.rhizome.spi.crypto.EncryptionProvider;
import io.rhizome.spi.crypto.KeyService.MeshKey;
import io.rhizome.spi.namespace.NamespaceDefinition;
import io.rhizome.spi.namespace.SyncScope;
import io.rhizome.spi.store.LogEntry;
import io.rhizome.spi.store.ReplicaStore;
import io.rhizome.testsupport.Await;

/**
 * Selective namespaces over the in-memory transport: only entities matching the scope predicate
 * reach a peer, an entity that starts matching arrives in full, streams stay contiguous (skips), the
 * ack cursor advances, relays and restarts work, and malformed predicates make a namespace
 * unavailable.
 */
class SelectiveSyncTest {

    private static final String NS = "tickets";
    private static final NamespaceDefinition OPEN_ONLY = new NamespaceDefinition(NS, "lww-map", SyncScope.selective("field status = open"),
            Optional.empty());

    private Mesh mesh;

    @BeforeEach
    void setUp() throws Exception {
        mesh = new Mesh();
        mesh.extraNamespaces = id -> List.of(OPEN_ONLY);
    }

    @AfterEach
    void tearDown() {
        mesh.close();
    }

    private static void ticket(SyncService s, String key, String status, String title) {
        s.transaction(tx -> tx.setField(NS, key, "status", TextNode.valueOf(status)).setField(NS, key, "title", TextNode.valueOf(title)));
    }

    /** Whether any log entry of a node mentions the text (keys and values of a PLAIN mesh are in the clear). */
    private boolean logMentions(String node, String text) throws Exception {
        ReplicaStore store = mesh.stores.get(node);
        for (long pos = 0; pos < store.head();) {
            List<LogEntry> chunk = store.read(pos, 1000, Long.MAX_VALUE);
            for (LogEntry e : chunk) {
                if (new String(e.payload(), StandardCharsets.ISO_8859_1).contains(text)) {
                    return true;
                }
                pos = e.position() + 1;
            }
        }
        return false;
    }

    private void awaitStream(String from, String to, String author) {
        String stream = Streams.id(NS, author);
        Await.until(Mesh.WAIT, to + " holds " + stream + " up to " + from + "'s version", () -> mesh.node(from).engine().versions()
                .getOrDefault(stream, -1L).equals(mesh.node(to).engine().versions().getOrDefault(stream, 0L)));
    }

    @Test
    void onlyMatchingEntitiesReachThePeerAndTheStreamStaysContiguous() throws Exception {
        SyncService a = mesh.start("A").service();
        SyncService b = mesh.start("B").service();
        ticket(a, "t-open", "open", "visible-title");
        ticket(a, "t-closed-secret", "closed", "hidden-title-xyzzy");
        ticket(a, "t-open-2", "open", "also visible");
        a.put("reg", "plain", TextNode.valueOf("full namespaces still sync"));
        mesh.connect("A", "B");
        awaitStream("A", "B", "A");
        Await.until(Mesh.WAIT, "the full namespace syncs too", () -> b.get("reg", "plain").isPresent());

        assertEquals(3L, mesh.node("B").engine().versions().get(Streams.id(NS, "A")), "B holds A's stream up to #3, skip included");
        assertEquals(List.of("t-open", "t-open-2"), b.keys(NS));
        assertEquals("visible-title", b.get(NS, "t-open").orElseThrow().path("title").asText());
        assertTrue(b.get(NS, "t-closed-secret").isEmpty());
        assertFalse(logMentions("B", "t-closed-secret"), "the non-matching key never reached B's log");
        assertFalse(logMentions("B", "hidden-title-xyzzy"), "the non-matching value never reached B's log");
        assertTrue(logMentions("A", "hidden-title-xyzzy"), "sanity: A's own log does hold it");
    }

    @Test
    void anEntityThatStartsMatchingLaterArrivesInFull() throws Exception {
        SyncService a = mesh.start("A").service();
        SyncService b = mesh.start("B").service();
        mesh.connect("A", "B");
        ticket(a, "t1", "draft", "first title");
        a.setField(NS, "t1", "owner", TextNode.valueOf("ann"));
        awaitStream("A", "B", "A");
        assertTrue(b.get(NS, "t1").isEmpty(), "a draft is not sent");

        a.setField(NS, "t1", "status", TextNode.valueOf("open"));
        Await.until(Mesh.WAIT, "t1 reaches B once it matches", () -> b.get(NS, "t1").isPresent());
        assertEquals(a.get(NS, "t1").orElseThrow(), b.get(NS, "t1").orElseThrow(),
                "B gets the whole entity, including the fields written before it matched");
        assertEquals("ann", b.get(NS, "t1").orElseThrow().path("owner").asText());

        // B edits the shared entity; A gets it back (B's own stream is filtered the same way).
        b.setField(NS, "t1", "title", TextNode.valueOf("edited on B"));
        try {
            Await.until(Mesh.WAIT, "B's edit reaches A", () -> "edited on B".equals(a.get(NS, "t1").orElseThrow().path("title").asText()));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; A has " + a.get(NS, "t1") + " and versions " + mesh.node("A").engine().versions()
                    + ", B has " + b.get(NS, "t1") + " and versions " + mesh.node("B").engine().versions(), e);
        }
        assertEquals(a.get(NS, "t1"), b.get(NS, "t1"));
    }

    /**
     * Regression: a state must not be carried only by an earlier entry of the batch, because the
     * receiver drops entries it already holds unread (seen when B relayed A's entry back to A
     * together with its own edit of the same entity, and the edit travelled as a bare skip).
     */
    @Test
    void everyScopedEntryCarriesTheStatesOfItsOwnEntities() throws Exception {
        SyncService a = mesh.start("A").service();
        ticket(a, "t", "open", "one");
        a.setField(NS, "t", "title", TextNode.valueOf("two"));
        ticket(a, "c", "closed", "x");
        List<LogEntry> log = mesh.stores.get("A").read(0, 10, Long.MAX_VALUE);
        assertEquals(3, log.size());
        ScopePredicate p = ScopePredicate.parse("field status = open");
        ChangeSetCodec codec = new ChangeSetCodec();
        for (LogEntry e : log) {
            ScopedEnvelope se = (ScopedEnvelope) codec.decodeEntry(mesh.node("A").engine().scopedEntry(e, OPEN_ONLY, p));
            assertEquals(e.seq(), se.seq());
            assertEquals("A", se.via());
            assertEquals(p.canonical(), se.predicate());
            ScopedBody body = codec.decodeScopedBody(se.body());
            if (e.seq() < 3) {
                assertEquals(1, body.states().size(), "entry #" + e.seq() + " carries t's state");
                assertEquals("t", body.states().get(0).key());
            } else {
                assertTrue(body.states().isEmpty(), "the closed ticket's entry is a bare skip");
            }
        }
    }

    @Test
    void aRelayPassesOnOnlyWhatMatches() throws Exception {
        mesh.start("A");
        mesh.start("B");
        mesh.start("C");
        mesh.connect("A", "B");
        mesh.connect("B", "C");
        SyncService a = mesh.node("A").service();
        SyncService c = mesh.node("C").service();
        ticket(a, "from-a-open", "open", "a");
        ticket(a, "from-a-closed", "closed", "a");
        ticket(c, "from-c-open", "open", "c");
        ticket(c, "from-c-closed", "closed", "c");
        awaitStream("A", "C", "A");
        awaitStream("C", "A", "C");
        awaitStream("A", "B", "A");
        Await.until(Mesh.WAIT, "C's open ticket reaches A through B", () -> a.get(NS, "from-c-open").isPresent());
        Await.until(Mesh.WAIT, "A's open ticket reaches C through B", () -> c.get(NS, "from-a-open").isPresent());
        assertEquals(List.of("from-a-closed", "from-a-open", "from-c-open"), a.keys(NS));
        assertEquals(List.of("from-a-open", "from-c-closed", "from-c-open"), c.keys(NS));
        assertEquals(List.of("from-a-open", "from-c-open"), mesh.node("B").service().keys(NS));
        assertFalse(logMentions("C", "from-a-closed"));
        assertFalse(logMentions("A", "from-c-closed"));
    }

    @Test
    void acksAdvanceTheCursorAndSkipsCauseNoResendStorm() throws Exception {
        SyncService a = mesh.start("A").service();
        mesh.start("B");
        int n = 2500;
        for (int i = 0; i < n; i++) {
            ticket(a, "closed-" + i, "closed", "t" + i);
        }
        ticket(a, "the-open-one", "open", "x");
        mesh.connect("A", "B");
        awaitStream("A", "B", "A");
        Await.until(Mesh.WAIT, "A has nothing pending for B", () -> a.status().pendingMutations() == 0
                && !mesh.node("A").orchestrator().session("B").orElseThrow().isSyncing());
        long head = mesh.stores.get("A").head();
        Await.until(Mesh.WAIT, "B's cursor reaches the head of A's log", () -> mesh.node("A").orchestrator().peers().get("B")
                .map(PeerRecord::cursor).orElse(-1L) == head);
        long batches = mesh.node("A").orchestrator().session("B").orElseThrow().batchesSent();
        assertTrue(batches <= 6, n + 1 + " entries in " + batches + " batches (at most 1,000 per batch, plus the final marker)");
        assertEquals(List.of("the-open-one"), mesh.node("B").service().keys(NS));

        // Quiet afterwards: forcing a sync sends at most the empty final marker, not the skips again.
        a.forceSync();
        Await.until(Mesh.WAIT, "the forced sync completes", () -> !mesh.node("A").orchestrator().session("B").orElseThrow().isSyncing());
        long after = mesh.node("A").orchestrator().session("B").orElseThrow().batchesSent();
        assertTrue(after - batches <= 1, "a forced sync re-sent " + (after - batches) + " batches");
    }

    @Test
    void aRestartedPeerResumesAndStillGetsOnlyWhatMatches() throws Exception {
        SyncService a = mesh.start("A").service();
        mesh.start("B");
        mesh.connect("A", "B");
        ticket(a, "before-open", "open", "x");
        ticket(a, "before-closed", "closed", "x");
        awaitStream("A", "B", "A");
        mesh.stop("B");
        ticket(a, "offline-open", "open", "y");
        ticket(a, "offline-closed", "closed", "y");
        a.setField(NS, "before-closed", "status", TextNode.valueOf("open"));
        SyncService b = mesh.start("B").service();
        assertEquals(List.of("before-open"), b.keys(NS), "B recovered its state from its store");
        mesh.connect("B", "A");
        awaitStream("A", "B", "A");
        Await.until(Mesh.WAIT, "B catches up", () -> b.keys(NS).size() == 3);
        assertEquals(List.of("before-closed", "before-open", "offline-open"), b.keys(NS));
        assertEquals(a.get(NS, "before-closed"), b.get(NS, "before-closed"));
        assertFalse(logMentions("B", "offline-closed"));

        // And B's own restart replays the merged states from its log.
        mesh.stop("B");
        SyncService b2 = mesh.start("B").service();
        assertEquals(List.of("before-closed", "before-open", "offline-open"), b2.keys(NS));
    }

    @Test
    void aPeerWithAnotherScopeRefusesTheEntriesAndHoldsNothing() throws Exception {
        mesh.extraNamespaces = id -> id.equals("B")
                ? List.of(NamespaceDefinition.of(NS, "lww-map"))
                : List.of(OPEN_ONLY);
        SyncService a = mesh.start("A").service();
        SyncService b = mesh.start("B").service();
        mesh.connect("A", "B");
        a.put("reg", "k", TextNode.valueOf("v"));
        Await.until(Mesh.WAIT, "other namespaces sync", () -> b.get("reg", "k").isPresent());
        ticket(a, "t", "open", "x");
        Await.until(Mesh.WAIT, "B refuses the filtered entries", () -> mesh.node("B").engine().rejectedRemoteCount() > 0);
        b.put("reg", "back", TextNode.valueOf("w"));
        Await.until(Mesh.WAIT, "the link still serves other namespaces", () -> a.get("reg", "back").isPresent());
        assertTrue(b.keys(NS).isEmpty());
        assertFalse(mesh.node("B").engine().versions().containsKey(Streams.id(NS, "A")), "B never claims to hold A's stream");
    }

    @Test
    void aMalformedPredicateMakesTheNamespaceUnavailableAndNothingIsWritten() throws Exception {
        mesh.extraNamespaces = id -> List.of(OPEN_ONLY,
                new NamespaceDefinition("broken", "lww-map", SyncScope.selective("colour is blue"), Optional.empty()));
        SyncService a = mesh.start("A").service();
        NamespaceInfo info = a.namespaces().stream().filter(i -> i.name().equals("broken")).findFirst().orElseThrow();
        assertFalse(info.available());
        assertTrue(info.unavailableReason().orElseThrow().contains("colour is blue"), info.unavailableReason().orElseThrow());
        assertTrue(a.namespaces().stream().filter(i -> i.name().equals(NS)).findFirst().orElseThrow().available());

        SyncException e = assertThrows(SyncException.class, () -> a.setField("broken", "k", "f", TextNode.valueOf("v")));
        assertEquals(SyncException.Reason.NAMESPACE_UNAVAILABLE, e.reason());
        assertTrue(e.getMessage().contains("is not a predicate clause"), e.getMessage());
        SyncException tx = assertThrows(SyncException.class, () -> a.transaction(t -> t.setField(NS, "ok", "status", TextNode.valueOf("open"))
                .setField("broken", "k", "f", TextNode.valueOf("v"))));
        assertEquals(SyncException.Reason.NAMESPACE_UNAVAILABLE, tx.reason());
        assertTrue(a.keys("broken").isEmpty());
        assertTrue(a.keys(NS).isEmpty(), "the transaction wrote nothing");
        assertEquals(0, mesh.stores.get("A").head(), "nothing reached the log");
    }

    @Test
    void sealedScopedEntriesOpenOnlyInTheMesh() throws Exception {
        BundleContext ctx = FrameworkUtil.getBundle(SelectiveSyncTest.class).getBundleContext();
        ServiceTracker<EncryptionProvider, EncryptionProvider> providers = new ServiceTracker<>(ctx,
                ctx.createFilter("(&(objectClass=" + EncryptionProvider.class.getName() + ")(crypto.provider=bc))"), null);
        providers.open();
        try {
            EncryptionProvider bc = providers.waitForService(30_000);
            assertNotNull(bc, "the Bouncy Castle provider is registered");
            MeshKey shared = TestKeys.randomMeshKey(1);
            TestKeys aKeys = new TestKeys(bc, shared);
            TestKeys bKeys = new TestKeys(bc, shared);
            TestKeys cKeys = new TestKeys(bc, shared);
            String a = aKeys.deviceId();
            String b = bKeys.deviceId();
            String c = cKeys.deviceId();
            mesh.start(a, new CryptoSealer(() -> Optional.of(bc), aKeys));
            mesh.start(b, new CryptoSealer(() -> Optional.of(bc), bKeys));
            mesh.start(c, new CryptoSealer(() -> Optional.of(bc), cKeys));
            mesh.connect(a, b);
            mesh.connect(b, c);
            ticket(mesh.node(a).service(), "sealed-open", "open", "secret-open-title");
            ticket(mesh.node(a).service(), "sealed-closed", "closed", "x");
            awaitStream(a, c, a);
            Await.until(Mesh.WAIT, "the open ticket reaches C through B", () -> mesh.value(c, NS, "sealed-open").isPresent());
            assertEquals(List.of("sealed-open"), mesh.node(c).service().keys(NS));
            for (String node : List.of(b, c)) {
                assertFalse(logMentions(node, "secret-open-title"), node + " stores the scoped entry sealed");
            }
            // C's copy came from B's scoped entries (signed by B); it survives C's restart.
            mesh.stop(c);
            mesh.start(c, new CryptoSealer(() -> Optional.of(bc), cKeys));
            assertEquals("secret-open-title", mesh.value(c, NS, "sealed-open").orElseThrow().path("title").asText());
        } finally {
            providers.close();
        }
    }
}

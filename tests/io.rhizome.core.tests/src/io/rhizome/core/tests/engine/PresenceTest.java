package io.rhizome.core.tests.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.rhizome.api.DevicePresence;
import io.rhizome.api.Presence;
import io.rhizome.api.SyncException;
import io.rhizome.core.internal.protocol.Message;
import io.rhizome.core.internal.service.Node;
import io.rhizome.spi.store.LogEntry;
import io.rhizome.testsupport.Await;

/**
 * Presence (awareness) between engines over the in-memory transport: a state reaches a paired peer
 * within a second, is kept alive by the heartbeat, withdrawn at once by clear, and expires when its
 * device goes away; nothing of it is written to the log or survives a restart; an unpaired device
 * is never sent a state and its states are dropped; a peer that does not announce presence (an
 * older node) is sent none and keeps its link.
 */
class PresenceTest {

    static final Duration SEEN_WITHIN = Duration.ofSeconds(1);
    static final Duration WAIT = Duration.ofSeconds(30);
    static final ObjectMapper JSON = new ObjectMapper();

    private Mesh mesh;
    /** Which devices each node trusts (the pairing service's answer). */
    private final java.util.Map<String, Set<String>> trust = new ConcurrentHashMap<>();

    @BeforeEach
    void setUp() throws Exception {
        mesh = new Mesh();
    }

    @AfterEach
    void tearDown() {
        mesh.close();
    }

    private Node start(String id, String... trusted) throws Exception {
        Set<String> set = trust.computeIfAbsent(id, k -> ConcurrentHashMap.newKeySet());
        set.addAll(List.of(trusted));
        Node n = mesh.start(id);
        n.orchestrator().trusted(set::contains);
        return n;
    }

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    private Presence presence(String id) {
        return mesh.node(id).service().presence();
    }

    private Optional<DevicePresence> seenBy(String viewer, String device) {
        return presence(viewer).devices().stream().filter(d -> d.deviceId().equals(device)).findFirst();
    }

    private void awaitConnected(String a, String b) {
        Await.until(WAIT, a + " and " + b + " are connected", () -> mesh.node(a).service().status().connectedPeers() > 0
                && mesh.node(b).service().status().connectedPeers() > 0);
    }

    @Test
    void aStateReachesAPairedPeerWithinASecondStaysWhileSentAndExpiresWhenItsDeviceGoes() throws Exception {
        start("A", "B");
        start("B", "A");
        mesh.connect("A", "B");
        awaitConnected("A", "B");

        presence("A").publish(json("{\"name\":\"laptop\",\"viewing\":\"notes/todo\"}"), Duration.ofSeconds(1));
        assertTrue(presence("A").devices().get(0).self(), "a node lists its own state first");
        long published = System.nanoTime();
        Await.until(SEEN_WITHIN, "B sees A's presence within " + SEEN_WITHIN, () -> seenBy("B", "A").isPresent());
        long millis = (System.nanoTime() - published) / 1_000_000;
        assertTrue(millis <= SEEN_WITHIN.toMillis(), "seen after " + millis + " ms");
        DevicePresence seen = seenBy("B", "A").orElseThrow();
        assertFalse(seen.self());
        assertEquals("notes/todo", seen.state().path("viewing").asText());
        assertEquals(1000, seen.expiresAt().toEpochMilli() - seen.updatedAt().toEpochMilli(), "kept for the publisher's time to live");

        // The heartbeat sends it again every third of its time to live: three lifetimes later it is still there.
        long window = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (System.nanoTime() < window) {
            assertTrue(seenBy("B", "A").isPresent(), "A's state lapsed at B although A kept sending it");
            Thread.sleep(50);
        }

        mesh.stop("A");
        Await.until(Duration.ofSeconds(3), "A's state expires at B once A is gone (time to live 1 s)", () -> seenBy("B", "A").isEmpty());
    }

    @Test
    void clearWithdrawsTheStateAtOnceAndBadStatesAreRefusedWithASentence() throws Exception {
        start("A", "B");
        start("B", "A");
        mesh.connect("A", "B");
        awaitConnected("A", "B");
        presence("A").publish(json("{\"name\":\"phone\"}"), Duration.ofMinutes(5));
        Await.until(SEEN_WITHIN, "B sees A", () -> seenBy("B", "A").isPresent());
        presence("A").clear();
        Await.until(SEEN_WITHIN, "B drops A's state as soon as A clears it (not after 5 minutes)", () -> seenBy("B", "A").isEmpty());
        assertTrue(presence("A").devices().isEmpty());

        SyncException tooLarge = assertThrows(SyncException.class,
                () -> presence("A").publish(JSON.getNodeFactory().textNode("x".repeat(Presence.MAX_STATE_BYTES)), Presence.DEFAULT_TTL));
        assertEquals(SyncException.Reason.VALUE_TOO_LARGE, tooLarge.reason());
        assertTrue(tooLarge.getMessage().contains(String.valueOf(Presence.MAX_STATE_BYTES)), tooLarge.getMessage());
        SyncException badTtl = assertThrows(SyncException.class, () -> presence("A").publish(json("{}"), Duration.ofMillis(10)));
        assertEquals(SyncException.Reason.INVALID_VALUE, badTtl.reason());
        assertTrue(presence("A").devices().isEmpty(), "a refused state changes nothing");
    }

    @Test
    void presenceIsNeverWrittenToTheLogAndDoesNotSurviveARestart() throws Exception {
        start("A", "B");
        start("B", "A");
        mesh.connect("A", "B");
        awaitConnected("A", "B");
        mesh.node("A").service().put("reg", "k", json("\"data\""));
        mesh.awaitVersionsEqual("A", "B");
        long headA = mesh.stores.get("A").head();
        long headB = mesh.stores.get("B").head();

        String marker = "presence-marker-7f3a";
        presence("A").publish(json("{\"name\":\"" + marker + "\"}"), Duration.ofSeconds(2));
        presence("B").publish(json("{\"name\":\"" + marker + "-b\"}"), Duration.ofSeconds(2));
        Await.until(SEEN_WITHIN, "B sees A", () -> seenBy("B", "A").isPresent());
        Await.until(SEEN_WITHIN, "A sees B", () -> seenBy("A", "B").isPresent());

        for (String id : List.of("A", "B")) {
            assertEquals(id.equals("A") ? headA : headB, mesh.stores.get(id).head(), "presence appended nothing to " + id + "'s log");
            for (LogEntry e : mesh.stores.get(id).read(0, Integer.MAX_VALUE, Long.MAX_VALUE)) {
                assertFalse(new String(e.payload(), StandardCharsets.ISO_8859_1).contains(marker), id + "'s log holds the presence state");
            }
        }
        assertEquals(mesh.node("A").engine().versions(), mesh.node("B").engine().versions());

        mesh.stop("A");
        mesh.stop("B");
        start("B", "A");
        assertTrue(presence("B").devices().isEmpty(), "a restarted node has neither its own nor its peers' states: " + presence("B").devices());
    }

    @Test
    void anUnpairedDeviceIsNeverSentAStateAndItsStatesAreDropped() throws Exception {
        start("A", "B");
        start("B", "A");
        start("C", "A"); // C trusts A, but A never paired with C
        mesh.connect("A", "B");
        mesh.connect("C", "A");
        awaitConnected("A", "B");
        Await.until(WAIT, "C holds a link to A", () -> mesh.node("C").service().status().connectedPeers() > 0);

        presence("C").publish(json("{\"name\":\"stranger\"}"), Duration.ofSeconds(1));
        presence("A").publish(json("{\"name\":\"a\"}"), Duration.ofSeconds(1));
        Await.until(SEEN_WITHIN, "B (paired) sees A", () -> seenBy("B", "A").isPresent());
        // Three heartbeats of both publishers: A never sends to C, and drops what C sends.
        long window = System.nanoTime() + Duration.ofMillis(1500).toNanos();
        while (System.nanoTime() < window) {
            assertTrue(seenBy("C", "A").isEmpty(), "A's presence reached the unpaired device C");
            assertTrue(seenBy("A", "C").isEmpty(), "A kept the presence of the unpaired device C");
            Thread.sleep(50);
        }

        // The same at the protocol level: an untrusted endpoint that announces presence is sent none.
        try (Rogue rogue = new Rogue(mesh.network, "D")) {
            rogue.dial("A").handshake(List.of(Message.FEATURE_PRESENCE));
            rogue.send(new Message.Presence("{\"name\":\"d\"}", 60_000));
            presence("A").publish(json("{\"name\":\"a2\"}"), Duration.ofSeconds(1));
            Await.until(SEEN_WITHIN, "B sees A's new state", () -> seenBy("B", "A").map(d -> d.state().path("name").asText().equals("a2"))
                    .orElse(false));
            long until = System.nanoTime() + Duration.ofMillis(1000).toNanos();
            while (System.nanoTime() < until) {
                assertTrue(rogue.drain().stream().noneMatch(m -> m instanceof Message.Presence), "an untrusted device was sent a presence state");
                Thread.sleep(50);
            }
            assertTrue(seenBy("A", "D").isEmpty(), "A kept the presence of an untrusted device");
        }
    }

    @Test
    void aPeerThatDoesNotAnnouncePresenceIsSentNoneAndKeepsItsLink() throws Exception {
        start("A", "OLD", "NEW");
        presence("A").publish(json("{\"name\":\"a\"}"), Duration.ofSeconds(1));
        try (Rogue old = new Rogue(mesh.network, "OLD"); Rogue current = new Rogue(mesh.network, "NEW")) {
            old.dial("A").handshake(); // an older node's hello: no features
            current.dial("A").handshake(List.of(Message.FEATURE_PRESENCE));
            Message.Presence got = current.await(Message.Presence.class);
            assertEquals("a", JSON.readTree(got.state()).path("name").asText(), "a trusted current peer gets the state at once");
            long until = System.nanoTime() + Duration.ofMillis(1000).toNanos();
            while (System.nanoTime() < until) {
                assertTrue(old.drain().stream().noneMatch(m -> m instanceof Message.Presence), "an older node was sent a presence message");
                Thread.sleep(50);
            }
            assertTrue(old.isOpen(), "the older node's link stays open");
            current.send(new Message.Presence("{\"name\":\"new\"}", 5_000));
            Await.until(SEEN_WITHIN, "A sees the current peer's state", () -> seenBy("A", "NEW").isPresent());
        }
    }
}

package io.rhizome.core.tests.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.TextNode;

import io.rhizome.api.PeerStatus;
import io.rhizome.api.SyncStatus;
import io.rhizome.core.internal.protocol.Message;
import io.rhizome.core.internal.protocol.ProtocolException;
import io.rhizome.spi.policy.TrustedDevices;
import io.rhizome.testsupport.Await;
import io.rhizome.transport.memory.MemoryNetwork;

/**
 * The engine dials every trusted device at the addresses the trust service says it announced (not
 * only devices it was connected to), with back-off; a revoked device is told when it dials, records
 * it, stops dialling and says so in its status; a stranger cannot make a device believe it was revoked.
 */
class TrustedDiallingTest {

    static final Duration WAIT = Duration.ofSeconds(30);

    private Mesh mesh;

    /** What a pairing service says: trusted devices and their addresses, revoked ones, and this device's own revocation. */
    static final class Trust implements TrustedDevices {
        final Map<String, List<DeviceAddress>> trusted = new ConcurrentHashMap<>();
        final Set<String> revoked = ConcurrentHashMap.newKeySet();
        final List<String> noticesFrom = new CopyOnWriteArrayList<>();
        final AtomicLong revocationQueries = new AtomicLong();
        volatile Optional<String> revocation = Optional.empty();

        Trust trust(String id, String... addresses) {
            trusted.put(id, java.util.Arrays.stream(addresses).map(a -> new DeviceAddress(MemoryNetwork.KIND, a)).toList());
            return this;
        }

        void revoke(String id) {
            trusted.remove(id);
            revoked.add(id);
        }

        @Override
        public boolean isTrusted(String deviceId) {
            return trusted.containsKey(deviceId);
        }

        @Override
        public Set<String> trustedDeviceIds() {
            return Set.copyOf(trusted.keySet());
        }

        @Override
        public List<DeviceAddress> addresses(String deviceId) {
            return trusted.getOrDefault(deviceId, List.of());
        }

        @Override
        public boolean isRevoked(String deviceId) {
            return revoked.contains(deviceId);
        }

        @Override
        public void revokedBy(String byDevice, Instant at) {
            noticesFrom.add(byDevice);
            revocation = Optional.of("this device was revoked from the mesh by " + byDevice + " at " + at + "; pair it again to rejoin");
        }

        @Override
        public Optional<String> revocation() {
            revocationQueries.incrementAndGet();
            return revocation;
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        mesh = new Mesh();
    }

    @AfterEach
    void tearDown() {
        mesh.close();
    }

    private static boolean connectedTo(SyncStatus s, String peer) {
        return s.peers().stream().anyMatch(p -> p.peerId().equals(peer) && p.connected());
    }

    @Test
    void membersThatNeverMetDialEachOtherAtTheirAnnouncedAddresses() throws Exception {
        mesh.start("B");
        mesh.start("C");
        // a dead address first: the live one behind it must still be tried
        mesh.node("B").orchestrator().trusted(new Trust().trust("C", MemoryNetwork.address("gone"), MemoryNetwork.address("C")));
        mesh.node("C").orchestrator().trusted(new Trust().trust("B", MemoryNetwork.address("B")));

        mesh.node("B").service().put("reg", "from-b", TextNode.valueOf("hello C"));
        Await.until(WAIT, "B's write reaches C without anyone connecting them by hand",
                () -> mesh.value("C", "reg", "from-b").equals(Optional.of(TextNode.valueOf("hello C"))));
        mesh.node("C").service().put("reg", "from-c", TextNode.valueOf("hello B"));
        Await.until(WAIT, "and C's reaches B", () -> mesh.value("B", "reg", "from-c").equals(Optional.of(TextNode.valueOf("hello B"))));
        assertTrue(connectedTo(mesh.node("B").service().status(), "C"));
    }

    @Test
    void anAddressNowUsedByAnotherDeviceIsNotTakenForTheAnnouncedOne() throws Exception {
        mesh.start("B");
        mesh.start("D");
        mesh.node("B").orchestrator().trusted(new Trust().trust("C", MemoryNetwork.address("D")));
        long before = mesh.network.dials("B");
        Await.until(WAIT, "B dials C's announced address twice (with back-off in between)", () -> mesh.network.dials("B") >= before + 2);
        SyncStatus s = mesh.node("B").service().status();
        assertEquals(0, s.connectedPeers(), s.toString());
        assertTrue(s.peers().stream().map(PeerStatus::peerId).noneMatch("D"::equals), "D is not recorded as a peer: " + s);
    }

    @Test
    void aTrustedDeviceThatNeverConnectedIsListedOfflineWithWhatItLacksAndARevokedOneIsNot() throws Exception {
        mesh.start("B");
        Trust onB = new Trust().trust("C", MemoryNetwork.address("gone")).trust("E", MemoryNetwork.address("gone-too"));
        onB.revoked.add("R");
        mesh.node("B").orchestrator().trusted(onB);
        mesh.node("B").service().put("reg", "one", TextNode.valueOf("1"));
        mesh.node("B").service().put("reg", "two", TextNode.valueOf("2"));
        SyncStatus s = mesh.node("B").service().status();
        assertEquals(List.of("C", "E"), s.peers().stream().map(PeerStatus::peerId).toList(), s.toString());
        for (PeerStatus p : s.peers()) {
            assertFalse(p.connected(), p.toString());
            assertEquals(2, p.pendingEvents(), "both writes are pending for " + p.peerId());
            assertTrue(p.lastSeen().isEmpty() && p.lastSync().isEmpty(), p.toString());
        }
        assertEquals(2, s.pendingMutations());

        onB.revoke("E");
        assertEquals(List.of("C"), mesh.node("B").service().status().peers().stream().map(PeerStatus::peerId).toList(),
                "a revoked device that never connected is no longer listed");
    }

    @Test
    void aRevokedDeviceIsToldRecordsItAndStopsDialling() throws Exception {
        mesh.start("A");
        mesh.start("B");
        Trust onA = new Trust().trust("B", MemoryNetwork.address("B"));
        Trust onB = new Trust().trust("A", MemoryNetwork.address("A"));
        mesh.node("A").orchestrator().trusted(onA);
        mesh.node("B").orchestrator().trusted(onB);
        mesh.node("A").service().put("reg", "before", TextNode.valueOf("shared"));
        Await.until(WAIT, "A and B sync", () -> mesh.value("B", "reg", "before").isPresent());
        assertTrue(mesh.node("B").service().status().revoked().isEmpty());

        onA.revoke("B");
        mesh.node("A").orchestrator().forget("B");
        mesh.node("A").service().put("reg", "after", TextNode.valueOf("secret"));

        Await.until(WAIT, "B learns that it was revoked", () -> mesh.node("B").service().status().revoked().isPresent());
        assertEquals(List.of("A"), onB.noticesFrom.subList(0, 1));
        String revoked = mesh.node("B").service().status().revoked().orElseThrow();
        assertTrue(revoked.contains("by A") && revoked.contains("pair it again"), revoked);

        // B keeps running its dialling rounds (each asks whether it was revoked) but dials no one
        long dials = mesh.network.dials("B");
        long queries = onB.revocationQueries.get();
        Await.until(WAIT, "B runs three more dialling rounds", () -> onB.revocationQueries.get() >= queries + 3);
        assertEquals(dials, mesh.network.dials("B"), "a revoked device dials no one");
        assertTrue(mesh.value("B", "reg", "after").isEmpty(), "nothing written after the revocation reached B");
        assertEquals(0, mesh.node("B").service().status().connectedPeers());
    }

    @Test
    void aDeviceRevokedBeforeTheRevokersRestartIsToldToo() throws Exception {
        // A's trust service remembers the revocation; A's engine (fresh) never saw it happen
        mesh.start("A");
        mesh.start("B");
        Trust onA = new Trust();
        onA.revoked.add("B");
        Trust onB = new Trust().trust("A", MemoryNetwork.address("A"));
        mesh.node("A").orchestrator().trusted(onA);
        mesh.node("B").orchestrator().trusted(onB);
        Await.until(WAIT, "B learns that it was revoked", () -> mesh.node("B").service().status().revoked().isPresent());
        assertEquals("A", onB.noticesFrom.get(0));
        assertEquals(0, mesh.node("A").service().status().connectedPeers());
    }

    @Test
    void aStrangerCannotMakeADeviceBelieveItWasRevoked() throws Exception {
        mesh.start("A");
        mesh.start("B");
        Trust onB = new Trust().trust("A", MemoryNetwork.address("A"));
        mesh.node("A").orchestrator().trusted(new Trust().trust("B", MemoryNetwork.address("B")));
        mesh.node("B").orchestrator().trusted(onB);
        try (Rogue eve = new Rogue(mesh.network, "EVE").dial("B")) {
            eve.handshake();
            eve.send(new Message.Error(ProtocolException.REVOKED, "you were revoked (not really)", -1, true));
            eve.awaitClosed();
        }
        assertTrue(onB.noticesFrom.isEmpty(), "the notice of an untrusted device is not passed on: " + onB.noticesFrom);
        assertTrue(mesh.node("B").service().status().revoked().isEmpty());
        mesh.node("A").service().put("reg", "still", TextNode.valueOf("synced"));
        Await.until(WAIT, "B still syncs with its mesh", () -> mesh.value("B", "reg", "still").isPresent());
        assertFalse(mesh.node("B").service().status().revoked().isPresent());
    }
}

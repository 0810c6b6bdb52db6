package io.rhizome.pairing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.api.SyncService;
import io.rhizome.spi.transport.PeerAnnouncement;
import io.rhizome.spi.transport.PeerLink;
import io.rhizome.spi.transport.Transport;
import io.rhizome.spi.transport.TransportListener;
import io.rhizome.testsupport.Await;
import io.rhizome.testsupport.MemoryReplicaStore;

/**
 * What transports announce ({@link PeerAnnouncement}, a WireGuard key and endpoints) travels with
 * pairing: both ends of a pairing learn each other's, a third device's reaches the first joiner
 * relayed by a mesh update, a changed announcement replaces the old one everywhere, a forged one is
 * refused, a revoked device's is dropped, and everything survives a restart.
 */
class PairingAnnouncementTest {

    private final ChannelNet net = new ChannelNet();
    private final List<ScheduledExecutorService> executors = new ArrayList<>();

    /** A transport that only announces (as the WireGuard transport does besides its tunnel). */
    static final class Announcing implements Transport, PeerAnnouncement {
        volatile Map<String, String> values;

        Announcing(Map<String, String> values) {
            this.values = values;
        }

        @Override
        public Map<String, String> announcement() {
            return values;
        }

        @Override
        public String kind() {
            return "wireguard";
        }

        @Override
        public void start(TransportListener listener) {
        }

        @Override
        public void stop() {
        }

        @Override
        public CompletionStage<PeerLink> connect(String address) {
            return CompletableFuture.failedFuture(new java.io.IOException("not a real transport"));
        }

        @Override
        public List<String> listenAddresses() {
            return List.of();
        }
    }

    final class Device {
        final TestKeys keys = new TestKeys();
        final MemoryReplicaStore store = new MemoryReplicaStore();
        final ChannelNet.Node node;
        final Announcing wg;
        final SyncService sync;
        Pairing pairing;

        Device(String name) throws Exception {
            node = net.node(name, keys.deviceId());
            wg = new Announcing(Map.of("publicKey", name + "-key", "endpoints", "10.0.0." + name.length() + ":51820"));
            sync = (SyncService) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { SyncService.class },
                    (proxy, method, args) -> switch (method.getName()) {
                        case "connect" -> CompletableFuture.completedFuture("ok");
                        case "forgetPeer" -> null;
                        default -> throw new UnsupportedOperationException(method.getName());
                    });
            start();
        }

        void start() throws Exception {
            ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
            executors.add(executor);
            pairing = new Pairing(keys, store.metadata(io.rhizome.spi.store.MetadataOwner.bundle("io.rhizome.pairing")), store::head, sync,
                    () -> List.<Transport>of(node, wg), executor, System::currentTimeMillis);
            pairing.transportAdded(node);
            pairing.transportAdded(wg);
        }

        String id() {
            return keys.deviceId();
        }

        Map<String, String> knows(Device other) {
            return pairing.membership().announcement(other.id(), "wireguard");
        }
    }

    @AfterEach
    void stop() {
        executors.forEach(ScheduledExecutorService::shutdownNow);
    }

    @Test
    void anAnnouncerThatIsNoTransportIsCarriedTooAndItsChangeIsPushedWithoutWaitingForTheRound() throws Exception {
        Device a = new Device("a");
        Device b = new Device("b");
        java.util.concurrent.atomic.AtomicReference<Map<String, String>> hubs = new java.util.concurrent.atomic.AtomicReference<>(Map.of());
        a.pairing.announcers(() -> Map.of("hub", hubs::get));
        b.pairing.join(a.pairing.invite().code(), Optional.empty(), Duration.ofSeconds(20));
        Await.until(Duration.ofSeconds(10), "b is told of a's transports", () -> a.wg.values.equals(b.knows(a)));
        assertEquals(Map.of(), b.pairing.membership().announcement(a.id(), "hub"), "nothing announced yet");

        // a starts using a hub: the change reaches b well before the next 30-s push round
        hubs.set(Map.of("format", "1", "12D3KooWHub", "/ip4/127.0.0.1/tcp/4002/p2p/12D3KooWHub"));
        Await.until(Duration.ofSeconds(Pairing.MESH_PUSH_SECONDS - 10), "b holds a's hub announcement",
                () -> hubs.get().equals(b.pairing.membership().announcement(a.id(), "hub")));
        // and stops using it: the newer announcement replaces the older one
        hubs.set(Map.of("format", "1"));
        Await.until(Duration.ofSeconds(Pairing.MESH_PUSH_SECONDS - 10), "b holds a's newer hub announcement",
                () -> hubs.get().equals(b.pairing.membership().announcement(a.id(), "hub")));
        assertEquals(a.wg.values, b.knows(a), "the transport's announcement is still there");
    }

    @Test
    void announcementsTravelWithPairingAndMeshUpdatesAndLeaveWithARevocation() throws Exception {
        Device a = new Device("a");
        Device b = new Device("b");
        Device c = new Device("c");
        b.pairing.join(a.pairing.invite().code(), Optional.empty(), Duration.ofSeconds(20));
        assertEquals(a.wg.values, b.knows(a), "the welcome carries the inviter's announcement");
        Await.until(Duration.ofSeconds(10), "the inviter has the joiner's announcement from its reply", () -> b.wg.values.equals(a.knows(b)));

        c.pairing.join(a.pairing.invite().code(), Optional.empty(), Duration.ofSeconds(20));
        assertEquals(b.wg.values, c.knows(b), "the welcome relays the other members' announcements, signed by them");
        Await.until(Duration.ofSeconds(20), "the first joiner learns the newcomer's announcement through a mesh update", () -> c.wg.values.equals(b.knows(c)));

        // c's endpoints change and its transport comes back: the newer announcement replaces the old one on every device
        c.wg.values = Map.of("publicKey", "c-key", "endpoints", "192.168.1.9:51820");
        c.pairing.transportAdded(c.wg);
        Await.until(Duration.ofSeconds(45), "a and b hold c's new announcement", () -> c.wg.values.equals(a.knows(c)) && c.wg.values.equals(b.knows(c)));

        a.pairing.revoke(b.id());
        assertEquals(Map.of(), a.knows(b), "a revoked device's announcement is dropped with its trust");
        Await.until(Duration.ofSeconds(30), "c learns that b was revoked and drops its announcement", () -> c.knows(b).isEmpty());
        assertEquals(Map.of(), a.pairing.membership().announcement("unknown-device", "wireguard"));
        assertEquals(Map.of(), a.pairing.membership().announcement(c.id(), "libp2p"), "nothing announced for another kind");

        // after a restart the announcements are still there (pairing's metadata space)
        a.start();
        assertEquals(c.wg.values, a.knows(c));
        assertEquals(Map.of(), a.knows(b));
    }

    @Test
    void aForgedOrMalformedAnnouncementRefusesTheWholeUpdate() throws Exception {
        TestKeys alice = new TestKeys();
        TestKeys mallory = new TestKeys();
        Announcement good = Announcement.sign(alice, "wireguard", Map.of("publicKey", "k"), 7);
        assertTrue(good.verified());
        ObjectNode m = Wire.message("mesh");
        Announcement.write(m.putArray("a"), List.of(good));
        assertEquals(List.of(good.values()), Announcement.read(alice.deviceId(), m.get("a")).stream().map(Announcement::values).toList());

        // mallory relays a member's announcement with other values, or signs one as alice with her own key
        ObjectNode tampered = m.deepCopy();
        ((ObjectNode) tampered.get("a").get(0).get("values")).put("publicKey", "mallory-key");
        PairingProtocolException e1 = assertThrows(PairingProtocolException.class, () -> Announcement.read(alice.deviceId(), tampered.get("a")));
        assertTrue(e1.getMessage().contains("is not signed by that device"), e1.getMessage());
        ObjectNode forged = Wire.message("mesh");
        Announcement.write(forged.putArray("a"), List.of(Announcement.sign(mallory, "wireguard", Map.of("publicKey", "k"), 8)));
        assertThrows(PairingProtocolException.class, () -> Announcement.read(alice.deviceId(), forged.get("a")));

        ObjectNode tooMany = Wire.message("mesh");
        ArrayNode values = tooMany.putArray("a");
        for (int i = 0; i < Announcement.MAX_PER_DEVICE + 1; i++) {
            Announcement.write(values, List.of(good));
        }
        PairingProtocolException e2 = assertThrows(PairingProtocolException.class, () -> Announcement.read(alice.deviceId(), tooMany.get("a")));
        assertTrue(e2.getMessage().contains("at most " + Announcement.MAX_PER_DEVICE), e2.getMessage());
        IllegalArgumentException e3 = assertThrows(IllegalArgumentException.class,
                () -> Announcement.sign(alice, "wireguard", Map.of("k", "v".repeat(Announcement.MAX_VALUE + 1)), 9));
        assertTrue(e3.getMessage().contains("at most " + Announcement.MAX_VALUE), e3.getMessage());
        assertEquals(List.of(), Announcement.read(alice.deviceId(), null), "a member from an older node has no announcements");
    }
}

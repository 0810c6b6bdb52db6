package io.rhizome.pairing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.rhizome.api.PairingException;
import io.rhizome.api.PairingService;
import io.rhizome.api.SyncService;
import io.rhizome.spi.store.NewEntry;
import io.rhizome.spi.transport.Transport;
import io.rhizome.testsupport.Await;
import io.rhizome.testsupport.MemoryReplicaStore;

/**
 * Pairing services of three devices on an in-process channel network: join through rendezvous and
 * by address, a third device learned by the whole mesh, revocation rotating the mesh key and
 * reaching the other devices, revoked devices never re-trusted by gossip, and what join refuses.
 */
class PairingMeshTest {

    private final ChannelNet net = new ChannelNet();
    private final List<ScheduledExecutorService> executors = new ArrayList<>();

    /** One device: keys, store, pairing, and what it asked its sync engine to do. */
    final class Device {
        final TestKeys keys = new TestKeys();
        final MemoryReplicaStore store = new MemoryReplicaStore();
        final List<String> connects = new CopyOnWriteArrayList<>();
        final List<String> forgotten = new CopyOnWriteArrayList<>();
        final ChannelNet.Node node;
        final Pairing pairing;

        Device(String name) throws Exception {
            node = net.node(name, keys.deviceId());
            SyncService sync = (SyncService) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { SyncService.class },
                    (proxy, method, args) -> switch (method.getName()) {
                        case "connect" -> {
                            connects.add(args[0] + " " + args[1]);
                            yield CompletableFuture.completedFuture("ok");
                        }
                        case "forgetPeer" -> {
                            forgotten.add((String) args[0]);
                            yield null;
                        }
                        default -> throw new UnsupportedOperationException(method.getName());
                    });
            ScheduledExecutorService ex = Executors.newSingleThreadScheduledExecutor();
            executors.add(ex);
            pairing = new Pairing(keys, store, sync, () -> List.<Transport>of(node), ex, System::currentTimeMillis);
            pairing.transportAdded(node);
        }

        String id() {
            return keys.deviceId();
        }
    }

    @AfterEach
    void stop() {
        executors.forEach(ScheduledExecutorService::shutdownNow);
    }

    @Test
    void threeDevicesPairLearnEachOtherAndARevocationReachesEveryone() throws Exception {
        Device a = new Device("a");
        Device b = new Device("b");
        Device c = new Device("c");

        PairingService.Invitation inv = a.pairing.invite();
        PairingService.TrustedPeer viaRendezvous = b.pairing.join(inv.code(), Optional.empty(), Duration.ofSeconds(20));
        assertEquals(a.id(), viaRendezvous.deviceId());
        assertTrue(a.pairing.isTrusted(b.id()));
        assertTrue(b.pairing.isTrusted(a.id()));
        assertEquals(a.keys.currentMeshKey(), b.keys.currentMeshKey(), "the joiner has the mesh key");
        assertEquals(List.of("net net:a"), b.connects, "the joiner starts syncing with the inviter");
        Await.until(Duration.ofSeconds(10), "the inviter learns where the joiner listens",
                () -> a.pairing.trustedPeers().get(0).addresses().contains("net net:b"));
        assertEquals("used", a.pairing.invitation().orElseThrow().state());

        PairingService.Invitation second = b.pairing.invite();
        c.pairing.join(second.code(), Optional.of("net:b"), Duration.ofSeconds(20));
        assertTrue(c.pairing.isTrusted(a.id()), "the welcome lists the rest of the mesh");
        Await.until(Duration.ofSeconds(20), "the first device learns about the third through a mesh update", () -> a.pairing.isTrusted(c.id()));

        long before = a.keys.currentMeshKey().epoch();
        a.pairing.revoke(b.id());
        assertFalse(a.pairing.isTrusted(b.id()));
        assertEquals(before + 1, a.keys.currentMeshKey().epoch());
        assertEquals(List.of(b.id()), a.forgotten);
        Await.until(Duration.ofSeconds(20), "the third device hears of the revocation and gets the new epoch",
                () -> !c.pairing.isTrusted(b.id()) && c.keys.currentMeshKey().equals(a.keys.currentMeshKey()));
        assertTrue(c.forgotten.contains(b.id()));
        assertFalse(b.keys.meshKey(before + 1).isPresent(), "the revoked device never gets the new key");

        PairingException unknown = assertThrows(PairingException.class, () -> a.pairing.revoke(b.id()));
        assertEquals(PairingException.Reason.UNKNOWN_PEER, unknown.reason());
    }

    @Test
    void wrongCodesThroughTheServiceLockTheInvitation() throws Exception {
        Device a = new Device("a");
        Device b = new Device("b");
        PairingService.Invitation inv = a.pairing.invite();
        String wrong = inv.code().substring(0, inv.code().length() - 1) + (inv.code().endsWith("0") ? "1" : "0");
        for (int i = 0; i < 3; i++) {
            PairingException e = assertThrows(PairingException.class, () -> b.pairing.join(wrong, Optional.of("net:a"), Duration.ofSeconds(20)));
            assertEquals(PairingException.Reason.REFUSED, e.reason(), e.getMessage());
        }
        assertEquals("locked", a.pairing.invitation().orElseThrow().state());
        PairingException e = assertThrows(PairingException.class, () -> b.pairing.join(inv.code(), Optional.of("net:a"), Duration.ofSeconds(20)));
        assertTrue(e.getMessage().contains("locked"), e.getMessage());
        assertFalse(a.pairing.isTrusted(b.id()));
        assertFalse(b.pairing.isTrusted(a.id()));
        assertTrue(b.keys.meshKey(0).isPresent() && !b.keys.currentMeshKey().equals(a.keys.currentMeshKey()), "nothing changed on the joiner");
    }

    @Test
    void joinRefusesANodeWithDataAndReportsWhenNobodyShowsTheCode() throws Exception {
        Device a = new Device("a");
        Device b = new Device("b");
        PairingService.Invitation inv = a.pairing.invite();
        PairingException nobody = assertThrows(PairingException.class,
                () -> b.pairing.join("RZ-0000-0000-0000", Optional.empty(), Duration.ofSeconds(1)));
        assertEquals(PairingException.Reason.NOT_FOUND, nobody.reason());
        b.store.append(List.of(new NewEntry(b.id(), 1, new byte[] { 1 })), java.util.Map.of());
        PairingException notEmpty = assertThrows(PairingException.class, () -> b.pairing.join(inv.code(), Optional.empty(), Duration.ofSeconds(5)));
        assertEquals(PairingException.Reason.NOT_EMPTY, notEmpty.reason());
        assertEquals("active", a.pairing.invitation().orElseThrow().state(), "a refused join does not use the invitation");
        assertEquals(3, a.pairing.invitation().orElseThrow().attemptsLeft());
    }

    @Test
    void gossipNeverBringsBackARevokedDeviceAndTrustSurvivesARestart() throws Exception {
        Device a = new Device("a");
        Device b = new Device("b");
        Device c = new Device("c");
        b.pairing.join(a.pairing.invite().code(), Optional.empty(), Duration.ofSeconds(20));
        c.pairing.join(a.pairing.invite().code(), Optional.empty(), Duration.ofSeconds(20));
        a.pairing.revoke(c.id());

        // b (trusted) tells a that c is a member, as a device that has not heard of the revocation would
        com.fasterxml.jackson.databind.node.ObjectNode m = Wire.message("mesh");
        var keys = m.putArray("keys");
        keys.addObject().put("epoch", 0).put("key", b.keys.meshKey(0).orElseThrow().key());
        Welcome.members(m.putArray("members"), List.of(new Welcome.MeshMember(c.id(), List.of("net net:c"))));
        m.putArray("revoked");
        io.rhizome.spi.transport.PeerLink link = b.node.open("net:a", Pairing.MESH_PROTOCOL).toCompletableFuture().get();
        CompletableFuture<String> answer = new CompletableFuture<>();
        link.receiver(new io.rhizome.spi.transport.MessageReceiver() {
            @Override
            public void message(io.rhizome.spi.transport.PeerLink l, byte[] bytes) {
                try {
                    answer.complete(Wire.decode(bytes).path("t").asText());
                } catch (PairingProtocolException e) {
                    answer.completeExceptionally(e);
                }
            }

            @Override
            public void closed(io.rhizome.spi.transport.PeerLink l, Optional<Throwable> cause) {
                answer.completeExceptionally(new IllegalStateException("closed without an answer"));
            }
        });
        link.send(Wire.encode(m));
        assertEquals("ok", answer.get(10, java.util.concurrent.TimeUnit.SECONDS));
        assertFalse(a.pairing.isTrusted(c.id()), "a revoked device stays revoked whatever other devices say");

        // an untrusted device's mesh update is refused
        io.rhizome.spi.transport.PeerLink fromC = c.node.open("net:a", Pairing.MESH_PROTOCOL).toCompletableFuture().get();
        CompletableFuture<String> refused = new CompletableFuture<>();
        fromC.receiver(new io.rhizome.spi.transport.MessageReceiver() {
            @Override
            public void message(io.rhizome.spi.transport.PeerLink l, byte[] bytes) {
                refused.complete(new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1));
            }

            @Override
            public void closed(io.rhizome.spi.transport.PeerLink l, Optional<Throwable> cause) {
                refused.complete("closed");
            }
        });
        com.fasterxml.jackson.databind.node.ObjectNode evil = Wire.message("mesh");
        evil.putArray("keys").addObject().put("epoch", 99).put("key", new byte[32]);
        evil.putArray("revoked").add(b.id());
        fromC.send(Wire.encode(evil));
        assertTrue(refused.get(10, java.util.concurrent.TimeUnit.SECONDS).contains("untrusted"));
        assertTrue(a.pairing.isTrusted(b.id()));
        assertFalse(a.keys.meshKey(99).isPresent());

        // a pairing service restarted over the same store knows who is trusted and who is revoked
        Pairing restarted = new Pairing(a.keys, a.store, (SyncService) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] { SyncService.class }, (p, method, args) -> null), List::of, executors.get(0), System::currentTimeMillis);
        assertTrue(restarted.isTrusted(b.id()));
        assertFalse(restarted.isTrusted(c.id()));
        assertTrue(new TrustedStore(a.store).isRevoked(c.id()));
    }
}

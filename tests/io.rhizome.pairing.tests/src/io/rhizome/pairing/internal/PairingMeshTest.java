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
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.rhizome.api.PairingException;
import io.rhizome.api.PairingService;
import io.rhizome.api.SyncService;
import io.rhizome.spi.policy.TrustedDevices;
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
        final SyncService sync;
        Pairing pairing;
        ScheduledExecutorService executor;

        Device(String name) throws Exception {
            node = net.node(name, keys.deviceId());
            sync = (SyncService) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { SyncService.class },
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
            executor = Executors.newSingleThreadScheduledExecutor();
            executors.add(executor);
            pairing = new Pairing(keys, space(), store::head, sync, () -> List.<Transport>of(node), executor, System::currentTimeMillis);
            pairing.transportAdded(node);
        }

        String id() {
            return keys.deviceId();
        }

        /** Pairing's metadata space of this device's store, as the store's bundle-scoped service hands it out. */
        io.rhizome.spi.store.MetadataSpace space() {
            return store.metadata(io.rhizome.spi.store.MetadataOwner.bundle("io.rhizome.pairing"));
        }

        /** A new pairing service over the same keys, store and transport: the node restarted. */
        Pairing restart() throws Exception {
            pairing.close();
            executor.shutdownNow();
            executor = Executors.newSingleThreadScheduledExecutor();
            executors.add(executor);
            pairing = new Pairing(keys, space(), store::head, sync, () -> List.<Transport>of(node), executor, System::currentTimeMillis);
            pairing.transportAdded(node);
            return pairing;
        }
    }

    private static TrustedDevices.DeviceAddress net(String name) {
        return new TrustedDevices.DeviceAddress("net", "net:" + name);
    }

    @Test
    void everyMemberKnowsWhereTheOthersListenAlsoAfterOneMoved() throws Exception {
        Device a = new Device("a");
        Device b = new Device("b");
        Device c = new Device("c");
        b.pairing.join(a.pairing.invite().code(), Optional.empty(), Duration.ofSeconds(20));
        Await.until(Duration.ofSeconds(10), "the inviter learns where the first joiner listens", () -> a.pairing.membership().addresses(b.id()).contains(net("b")));
        c.pairing.join(a.pairing.invite().code(), Optional.empty(), Duration.ofSeconds(20));

        assertEquals(Set.of(a.id(), b.id()), c.pairing.membership().trustedDeviceIds());
        assertEquals(List.of(net("b")), c.pairing.membership().addresses(b.id()), "the welcome carries the other members' addresses");
        Await.until(Duration.ofSeconds(20), "the first joiner learns the second and where it listens through a mesh update",
                () -> b.pairing.membership().addresses(c.id()).contains(net("c")));
        assertEquals(Set.of(a.id(), c.id()), b.pairing.membership().trustedDeviceIds());
        assertEquals(List.of(), b.pairing.membership().addresses("not-a-member"));

        // c restarts listening elsewhere: it announces its new address, which comes first everywhere
        c.node.moveTo("c2");
        c.restart();
        Await.until(Duration.ofSeconds(30), "a and b learn c's new address", () -> a.pairing.membership().addresses(c.id()).get(0).equals(net("c2"))
                && b.pairing.membership().addresses(c.id()).get(0).equals(net("c2")));
    }

    @Test
    void aRevokedDeviceLearnsItOnlyFromItsMeshKeepsItAndPairingAgainClearsIt() throws Exception {
        Device a = new Device("a");
        Device b = new Device("b");
        Device stranger = new Device("s");
        b.pairing.join(a.pairing.invite().code(), Optional.empty(), Duration.ofSeconds(20));
        a.pairing.revoke(b.id());
        assertTrue(a.pairing.membership().isRevoked(b.id()));
        assertFalse(a.pairing.membership().isRevoked(stranger.id()), "a device never trusted is not 'revoked'");

        b.pairing.membership().revokedBy(stranger.id(), java.time.Instant.now());
        assertTrue(b.pairing.membership().revocation().isEmpty(), "a stranger's notice is ignored");

        // b pushes its mesh state to a after a restart; a answers that b was revoked
        b.restart();
        Await.until(Duration.ofSeconds(30), "b learns from a that it was revoked", () -> b.pairing.membership().revocation().isPresent());
        String sentence = b.pairing.membership().revocation().orElseThrow();
        assertTrue(sentence.contains("revoked from the mesh by " + a.id()) && sentence.contains("pair it again"), sentence);
        assertTrue(b.restart().membership().revocation().isPresent(), "the revocation survives a restart");

        b.pairing.join(a.pairing.invite().code(), Optional.empty(), Duration.ofSeconds(20));
        assertTrue(b.pairing.membership().revocation().isEmpty(), "pairing again makes b a member again");
        assertTrue(a.pairing.membership().isTrusted(b.id()));
        assertFalse(a.pairing.membership().isRevoked(b.id()));
        assertTrue(b.restart().membership().revocation().isEmpty(), "durably");

        // the engine's path: a trusted device refused a sync link and said why
        b.pairing.membership().revokedBy(a.id(), java.time.Instant.parse("2026-12-01T10:00:00Z"));
        assertEquals(Optional.of("this device was revoked from the mesh by " + a.id() + " at 2026-12-01T10:00:00Z; pair it again to rejoin"),
                b.pairing.membership().revocation());
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
        assertTrue(a.pairing.membership().isTrusted(b.id()));
        assertTrue(b.pairing.membership().isTrusted(a.id()));
        assertEquals(a.keys.currentMeshKey(), b.keys.currentMeshKey(), "the joiner has the mesh key");
        assertEquals(List.of("net net:a"), b.connects, "the joiner starts syncing with the inviter");
        Await.until(Duration.ofSeconds(10), "the inviter learns where the joiner listens",
                () -> a.pairing.trustedPeers().get(0).addresses().contains("net net:b"));
        assertEquals("used", a.pairing.invitation().orElseThrow().state());

        PairingService.Invitation second = b.pairing.invite();
        c.pairing.join(second.code(), Optional.of("net:b"), Duration.ofSeconds(20));
        assertTrue(c.pairing.membership().isTrusted(a.id()), "the welcome lists the rest of the mesh");
        Await.until(Duration.ofSeconds(20), "the first device learns about the third through a mesh update", () -> a.pairing.membership().isTrusted(c.id()));

        long before = a.keys.currentMeshKey().epoch();
        a.pairing.revoke(b.id());
        assertFalse(a.pairing.membership().isTrusted(b.id()));
        assertEquals(before + 1, a.keys.currentMeshKey().epoch());
        assertEquals(List.of(b.id()), a.forgotten);
        Await.until(Duration.ofSeconds(20), "the third device hears of the revocation and gets the new epoch",
                () -> !c.pairing.membership().isTrusted(b.id()) && c.keys.currentMeshKey().equals(a.keys.currentMeshKey()));
        // the engine is told to forget b once the update is stored whole (just after the trust change shows)
        Await.until(Duration.ofSeconds(20), "the third device's engine is told to forget the revoked one", () -> c.forgotten.contains(b.id()));
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
        assertFalse(a.pairing.membership().isTrusted(b.id()));
        assertFalse(b.pairing.membership().isTrusted(a.id()));
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
        assertFalse(a.pairing.membership().isTrusted(c.id()), "a revoked device stays revoked whatever other devices say");

        // mesh updates from a device that is not trusted are refused: a revoked one is told it was
        // revoked, a stranger that it is not trusted
        Device stranger = new Device("s");
        assertTrue(sendEvilMeshUpdate(c, b).contains(Pairing.REVOKED_CODE));
        assertTrue(sendEvilMeshUpdate(stranger, b).contains("untrusted"));
        assertTrue(a.pairing.membership().isTrusted(b.id()));
        assertFalse(a.keys.meshKey(99).isPresent());

        // a pairing service restarted over the same store knows who is trusted and who is revoked
        Pairing restarted = new Pairing(a.keys, a.space(), a.store::head, (SyncService) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] { SyncService.class }, (p, method, args) -> null), List::of, executors.get(0), System::currentTimeMillis);
        assertTrue(restarted.membership().isTrusted(b.id()));
        assertFalse(restarted.membership().isTrusted(c.id()));
        assertTrue(new TrustedStore(a.space()).isRevoked(c.id()));
    }

    @Test
    void aMeshUpdateThatCannotBeStoredWhollyChangesNothingAndALaterGoodOneApplies() throws Exception {
        Device a = new Device("a");
        Device b = new Device("b");
        Device c = new Device("c");
        b.pairing.join(a.pairing.invite().code(), Optional.empty(), Duration.ofSeconds(20));
        c.pairing.join(a.pairing.invite().code(), Optional.empty(), Duration.ofSeconds(20));
        Await.until(Duration.ofSeconds(20), "b learns c from a's mesh update", () -> b.pairing.membership().isTrusted(c.id()));

        // a (trusted by b) revokes c, adds a member d and a new key epoch, all in one update
        String d = new TestKeys().deviceId();
        io.rhizome.spi.crypto.KeyService.MeshKey nextKey = new io.rhizome.spi.crypto.KeyService.MeshKey(
                b.keys.currentMeshKey().epoch() + 1, new TestKeys().identityPublicKey());
        com.fasterxml.jackson.databind.node.ObjectNode update = Wire.message("mesh");
        List<io.rhizome.spi.crypto.KeyService.MeshKey> offered = new ArrayList<>();
        for (long e : b.keys.epochs()) {
            offered.add(b.keys.meshKey(e).orElseThrow());
        }
        offered.add(nextKey);
        Welcome.keys(update.putArray("keys"), offered);
        Welcome.members(update.putArray("members"), List.of(new Welcome.MeshMember(d, List.of("net net:d"))));
        update.putArray("revoked").add(c.id());

        Set<String> trustedBefore = b.pairing.membership().trustedDeviceIds();
        List<Long> epochsBefore = b.keys.epochs();
        io.rhizome.spi.crypto.KeyService.MeshKey currentBefore = b.keys.currentMeshKey();
        Runnable unchanged = () -> {
            assertEquals(trustedBefore, b.pairing.membership().trustedDeviceIds());
            assertFalse(b.pairing.membership().isRevoked(c.id()), "no revocation of the refused update is applied");
            assertFalse(b.pairing.membership().isTrusted(d));
            assertEquals(epochsBefore, b.keys.epochs(), "no key of the refused update is installed");
            assertEquals(currentBefore, b.keys.currentMeshKey());
            assertFalse(b.forgotten.contains(c.id()), "the engine is not told to forget c");
            try {
                TrustedStore stored = new TrustedStore(b.space());
                assertEquals(Set.of(), stored.revokedIds(), "nothing of it was written");
                assertTrue(stored.isTrusted(c.id()) && !stored.isTrusted(d));
            } catch (io.rhizome.spi.store.StoreException e) {
                throw new AssertionError(e);
            }
        };

        // the key install fails: nothing is written
        b.keys.failKeyWrites = true;
        com.fasterxml.jackson.databind.node.ObjectNode answer = sendMesh(a, "net:b", update);
        assertEquals("refused", answer.path("code").asText(), answer.toString());
        unchanged.run();

        // the keys install but the trusted-device records cannot be written: the keys are removed again
        b.keys.failKeyWrites = false;
        b.store.failNextAppends(true);
        answer = sendMesh(a, "net:b", update);
        assertEquals("refused", answer.path("code").asText(), answer.toString());
        assertTrue(answer.path("message").asText().contains("simulated"), answer.toString());
        unchanged.run();

        // once storage works, the same update applies whole
        b.store.failNextAppends(false);
        answer = sendMesh(a, "net:b", update);
        assertEquals("ok", answer.path("t").asText(), answer.toString());
        assertTrue(b.pairing.membership().isRevoked(c.id()));
        assertFalse(b.pairing.membership().isTrusted(c.id()));
        assertTrue(b.pairing.membership().isTrusted(d));
        assertEquals(List.of(net("d")), b.pairing.membership().addresses(d));
        assertEquals(nextKey, b.keys.currentMeshKey());
        assertEquals(epochsBefore.size() + 1, b.keys.epochs().size());
        assertTrue(b.forgotten.contains(c.id()));
        TrustedStore stored = new TrustedStore(b.space());
        assertTrue(stored.isRevoked(c.id()) && stored.isTrusted(d) && !stored.isTrusted(c.id()));
    }

    /** {@code from} sends the device at {@code address} a mesh message; returns its answer. */
    private static com.fasterxml.jackson.databind.node.ObjectNode sendMesh(Device from, String address,
            com.fasterxml.jackson.databind.node.ObjectNode message) throws Exception {
        io.rhizome.spi.transport.PeerLink link = from.node.open(address, Pairing.MESH_PROTOCOL).toCompletableFuture().get();
        CompletableFuture<com.fasterxml.jackson.databind.node.ObjectNode> answer = new CompletableFuture<>();
        link.receiver(new io.rhizome.spi.transport.MessageReceiver() {
            @Override
            public void message(io.rhizome.spi.transport.PeerLink l, byte[] bytes) {
                try {
                    answer.complete(Wire.decode(bytes));
                } catch (PairingProtocolException e) {
                    answer.completeExceptionally(e);
                }
            }

            @Override
            public void closed(io.rhizome.spi.transport.PeerLink l, Optional<Throwable> cause) {
                answer.completeExceptionally(new IllegalStateException("closed without an answer"));
            }
        });
        link.send(Wire.encode(message));
        return answer.get(10, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** {@code from} sends a's pairing a mesh update revoking {@code victim} under a made-up key; returns the raw answer. */
    private static String sendEvilMeshUpdate(Device from, Device victim) throws Exception {
        io.rhizome.spi.transport.PeerLink link = from.node.open("net:a", Pairing.MESH_PROTOCOL).toCompletableFuture().get();
        CompletableFuture<String> refused = new CompletableFuture<>();
        link.receiver(new io.rhizome.spi.transport.MessageReceiver() {
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
        evil.putArray("revoked").add(victim.id());
        link.send(Wire.encode(evil));
        return refused.get(10, java.util.concurrent.TimeUnit.SECONDS);
    }
}

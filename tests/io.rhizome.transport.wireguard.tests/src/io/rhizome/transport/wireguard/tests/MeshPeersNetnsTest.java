package io.rhizome.transport.wireguard.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.rhizome.testsupport.Await;
import io.rhizome.transport.wireguard.internal.InterfaceSettings;
import io.rhizome.transport.wireguard.internal.MeshAddresses;
import io.rhizome.transport.wireguard.internal.MeshMembers;
import io.rhizome.transport.wireguard.internal.MeshPeers;
import io.rhizome.transport.wireguard.internal.WireGuardAnnouncement;
import io.rhizome.transport.wireguard.internal.WireGuardInterface;
import io.rhizome.transport.wireguard.internal.WireGuardSettings;
import io.rhizome.transport.wireguard.internal.uapi.AllowedIp;
import io.rhizome.transport.wireguard.internal.uapi.PeerState;
import io.rhizome.transport.wireguard.internal.uapi.UapiText;
import io.rhizome.transport.wireguard.internal.uapi.WgKey;

/**
 * {@link MeshPeers} against a real {@code wireguard-go} in network namespaces: a trusted device's
 * announcement (key, endpoints, mesh id, as pairing hands it over) makes it a peer, without any
 * {@code wg.peers}; the next announced endpoint is tried when the first gives no handshake; a
 * device of another mesh id is left out; a configured peer wins over the announcement; a revoked
 * device's peer is removed and its tunnel address names nobody any more.
 */
class MeshPeersNetnsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final int PORT_A = 51830;
    private static final int PORT_B = 51831;
    private static final String SELF = "device-a";
    private static final String B = "device-b";

    private Netns net;
    private final String meshId = "mesh-peers-" + ProcessHandle.current().pid();
    private final SecureRandom random = new SecureRandom();

    /** The mesh as pairing would tell it, changed by the test. */
    private final Set<String> trusted = ConcurrentHashMap.newKeySet();
    private final Map<String, Map<String, String>> announced = new ConcurrentHashMap<>();
    private final Set<String> revoked = ConcurrentHashMap.newKeySet();
    private final MeshMembers members = new MeshMembers() {
        @Override
        public Set<String> trusted() {
            return Set.copyOf(trusted);
        }

        @Override
        public Map<String, String> announcement(String deviceId) {
            return announced.getOrDefault(deviceId, Map.of());
        }

        @Override
        public boolean revoked(String deviceId) {
            return revoked.contains(deviceId);
        }
    };

    @BeforeEach
    void namespaces() throws IOException {
        net = Netns.create();
    }

    @AfterEach
    void cleanUp() {
        if (net != null) {
            net.close();
        }
    }

    private WireGuardSettings settings(String name, String peers) {
        return WireGuardSettings.parse(Map.of("wg.enabled", "true", "wg.interface", name, "wg.meshId", meshId, "wg.peers", peers), k -> null);
    }

    @Test
    void anAnnouncedDeviceBecomesAPeerTheNextEndpointIsTriedAndARevokedOneIsRemoved() throws Exception {
        String nameA = net.wgName(net.a, "a");
        String nameB = net.wgName(net.b, "b");
        Map<String, Inet6Address> plan = new MeshAddresses(meshId).assign(List.of(SELF, B));
        WgKey privateA = WgKey.generatePrivate(random);
        WgKey privateB = WgKey.generatePrivate(random);
        MeshPeers peers = new MeshPeers(settings(nameA, ""), SELF, members);
        InterfaceSettings is = new InterfaceSettings(nameA, InterfaceSettings.DEFAULT_WIREGUARD_GO, InterfaceSettings.DEFAULT_SOCKET_DIRECTORY,
                Files.createTempFile("wireguard-go-" + nameA, ".log"), TIMEOUT);
        try (WireGuardInterface a = WireGuardInterface.up(is, net.runner(net.a), privateA, PORT_A, peers.selfAddress())) {
            assertEquals(plan.get(SELF), peers.selfAddress());
            stockB(nameB, privateB, privateA.publicKey(), plan);

            // B is trusted and announced its key with a dead endpoint first, then the real one
            trusted.add(B);
            announced.put(B, WireGuardAnnouncement.of(privateB.publicKey(), List.of(UapiText.parseEndpoint("10.77.0.99:" + PORT_B),
                    UapiText.parseEndpoint(Netns.UNDERLAY_B + ":" + PORT_B)), meshId));
            peers.reconcile(a, 1);
            PeerState configured = a.state().peer(privateB.publicKey()).orElseThrow(() -> new AssertionError("B is a peer from its announcement"));
            assertEquals(List.of(AllowedIp.host(plan.get(B))), configured.allowedIps(), "B's allowed IPs are exactly its derived address");
            assertEquals(Optional.of(B), peers.deviceAt(plan.get(B)));
            assertEquals("paired", peers.configured().get(0).source());

            Await.until(Duration.ofSeconds(MeshPeers.ROTATE_AFTER_SECONDS + 30), "a handshake with B once the next endpoint is tried", () -> {
                peers.reconcile(a, 1);
                try {
                    return a.state().peer(privateB.publicKey()).flatMap(PeerState::lastHandshake).isPresent();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertEquals(new InetSocketAddress(UapiText.literalAddress(Netns.UNDERLAY_B), PORT_B),
                    a.state().peer(privateB.publicKey()).orElseThrow().endpoint().orElseThrow());
            File serverLog = Files.createTempFile("wg-serve", ".log").toFile();
            net.java(net.b, serverLog, "serve", plan.get(B).getHostAddress(), "7000");
            Netns.awaitLog(serverLog, "LISTENING", TIMEOUT);
            String reply = net.call(net.a, plan.get(B).getHostAddress(), 7000, "announced");
            assertTrue(reply.contains("REPLY announced"), reply);

            // a device in another mesh id is left out, whatever it announced
            trusted.add("device-c");
            announced.put("device-c", WireGuardAnnouncement.of(WgKey.generatePrivate(random).publicKey(), List.of(), "another-mesh"));
            peers.reconcile(a, 1);
            assertEquals(1, a.state().peers().size(), "only B: " + a.state().peers());

            // revoked: the peer goes, and its tunnel address names nobody
            revoked.add(B);
            peers.reconcile(a, 1);
            assertTrue(a.state().peer(privateB.publicKey()).isEmpty(), "the revoked device's peer is removed from the interface");
            assertEquals(Optional.empty(), peers.deviceAt(plan.get(B)));
            assertEquals(Set.of(B), peers.revokedRemoved());
            String refused = net.call(net.a, plan.get(B).getHostAddress(), 7000, "after-revocation");
            assertTrue(refused.contains("FAILED"), "nothing reaches the revoked device any more: " + refused);
        }
    }

    @Test
    void aConfiguredPeerWinsOverWhatTheDeviceAnnounced() throws Exception {
        String nameA = net.wgName(net.a, "a");
        WgKey byHand = WgKey.generatePrivate(random).publicKey();
        WgKey announcedKey = WgKey.generatePrivate(random).publicKey();
        MeshPeers peers = new MeshPeers(settings(nameA, B + ":" + byHand.base64() + "@" + Netns.UNDERLAY_B + ":" + PORT_B), SELF, members);
        trusted.add(B);
        announced.put(B, WireGuardAnnouncement.of(announcedKey, List.of(), meshId));
        InterfaceSettings is = new InterfaceSettings(nameA, InterfaceSettings.DEFAULT_WIREGUARD_GO, InterfaceSettings.DEFAULT_SOCKET_DIRECTORY,
                Files.createTempFile("wireguard-go-" + nameA, ".log"), TIMEOUT);
        try (WireGuardInterface a = WireGuardInterface.up(is, net.runner(net.a), WgKey.generatePrivate(random), PORT_A, peers.selfAddress())) {
            peers.reconcile(a, 0);
            assertTrue(a.state().peer(byHand).isPresent(), "the configured key is the peer");
            assertTrue(a.state().peer(announcedKey).isEmpty(), "the announced key is not");
            assertEquals("configured", peers.configured().get(0).source());
        }
    }

    private void stockB(String nameB, WgKey privateB, WgKey publicA, Map<String, Inet6Address> plan) throws Exception {
        File log = Files.createTempFile("wireguard-go-b", ".log").toFile();
        net.start(net.b, log, "wireguard-go", "-f", nameB);
        Path sock = Path.of("/var/run/wireguard", nameB + ".sock");
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!Files.exists(sock)) {
            assertTrue(System.nanoTime() < deadline, "wireguard-go for " + nameB + " did not create " + sock);
            Thread.sleep(20);
        }
        Path keyFile = Files.createTempFile("wg-b", ".key");
        Files.writeString(keyFile, privateB.base64() + "\n");
        net.in(net.b, "wg", "set", nameB, "private-key", keyFile.toString(), "listen-port", String.valueOf(PORT_B),
                "peer", publicA.base64(), "allowed-ips", plan.get(SELF).getHostAddress() + "/128");
        Files.delete(keyFile);
        net.in(net.b, "ip", "-6", "address", "add", plan.get(B).getHostAddress() + "/64", "dev", nameB, "nodad");
        net.in(net.b, "ip", "link", "set", nameB, "up");
    }
}

package io.rhizome.transport.wireguard.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.rhizome.transport.wireguard.internal.InterfaceSettings;
import io.rhizome.transport.wireguard.internal.MeshAddresses;
import io.rhizome.transport.wireguard.internal.WireGuardAvailability;
import io.rhizome.transport.wireguard.internal.WireGuardInterface;
import io.rhizome.transport.wireguard.internal.uapi.AllowedIp;
import io.rhizome.transport.wireguard.internal.uapi.DeviceState;
import io.rhizome.transport.wireguard.internal.uapi.PeerConfig;
import io.rhizome.transport.wireguard.internal.uapi.PeerState;
import io.rhizome.transport.wireguard.internal.uapi.UapiException;
import io.rhizome.transport.wireguard.internal.uapi.UapiText;
import io.rhizome.transport.wireguard.internal.uapi.WgKey;

/**
 * The interface manager against a real {@code wireguard-go} in network namespaces of its own
 * ({@link Netns}): side A is driven by {@link WireGuardInterface} over UAPI, side B is configured
 * by hand with the stock {@code wg set} and {@code ip}, and a TCP connection crosses the tunnel
 * between their mesh addresses.
 */
class WireGuardInterfaceNetnsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final int PORT_A = 51820;
    private static final int PORT_B = 51821;

    private Netns net;
    private final SecureRandom random = new SecureRandom();
    private final MeshAddresses mesh = new MeshAddresses("netns-test-mesh-" + ProcessHandle.current().pid());
    private final Inet6Address addressA = mesh.candidate("device-a", 0);
    private final Inet6Address addressB = mesh.candidate("device-b", 0);

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

    private InterfaceSettings settings(String name) throws IOException {
        return new InterfaceSettings(name, InterfaceSettings.DEFAULT_WIREGUARD_GO, InterfaceSettings.DEFAULT_SOCKET_DIRECTORY,
                Files.createTempFile("wireguard-go-" + name, ".log"), TIMEOUT);
    }

    /** Side B as an operator sets it up with the stock tools; returns B's public key. */
    private WgKey stockPeerB(String nameB, WgKey publicA) throws Exception {
        File log = Files.createTempFile("wireguard-go-b", ".log").toFile();
        net.start(net.b, log, "wireguard-go", "-f", nameB);
        Path sock = Path.of("/var/run/wireguard", nameB + ".sock");
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!Files.exists(sock)) {
            assertTrue(System.nanoTime() < deadline, "wireguard-go for " + nameB + " did not create " + sock + ": " + Files.readString(log.toPath()));
            Thread.sleep(20);
        }
        String privateB = net.host("wg", "genkey").strip();
        Path keyFile = Files.createTempFile("wg-b", ".key");
        Files.writeString(keyFile, privateB + "\n");
        String publicB = net.in(net.b, "sh", "-c", "wg pubkey < " + keyFile).strip();
        assertEquals(publicB, WgKey.fromBase64(privateB).publicKey().base64(), "our X25519 derives the public key wg pubkey derives");
        net.in(net.b, "wg", "set", nameB, "private-key", keyFile.toString(), "listen-port", String.valueOf(PORT_B),
                "peer", publicA.base64(), "allowed-ips", addressA.getHostAddress() + "/128",
                "endpoint", Netns.UNDERLAY_A + ":" + PORT_A);
        Files.delete(keyFile);
        net.in(net.b, "ip", "-6", "address", "add", addressB.getHostAddress() + "/64", "dev", nameB);
        net.in(net.b, "ip", "link", "set", nameB, "up");
        return WgKey.fromBase64(publicB);
    }

    private PeerConfig peerB(WgKey publicB) {
        return new PeerConfig(publicB, Optional.of(UapiText.parseEndpoint(Netns.UNDERLAY_B + ":" + PORT_B)),
                List.of(AllowedIp.host(addressB)), 0);
    }

    @Test
    void aPeerConfiguredByHandWithStockWgIsReachedOverTcpThroughTheTunnelAndNoLongerOnceRemoved() throws Exception {
        String nameA = net.wgName(net.a, "a");
        String nameB = net.wgName(net.b, "b");
        WgKey privateA = WgKey.generatePrivate(random);
        try (WireGuardInterface a = WireGuardInterface.up(settings(nameA), net.runner(net.a), privateA, PORT_A, addressA)) {
            WgKey publicB = stockPeerB(nameB, privateA.publicKey());
            a.putPeer(peerB(publicB));
            DeviceState configured = a.state();
            assertEquals(privateA.publicKey(), configured.publicKey().orElseThrow());
            assertEquals(PORT_A, configured.listenPort());
            assertEquals(List.of(AllowedIp.host(addressB)), configured.peer(publicB).orElseThrow().allowedIps());
            assertTrue(configured.peer(publicB).orElseThrow().lastHandshake().isEmpty(), "no handshake before any traffic");

            File serverLog = Files.createTempFile("wg-serve", ".log").toFile();
            net.java(net.b, serverLog, "serve", addressB.getHostAddress(), "7000");
            Netns.awaitLog(serverLog, "LISTENING", TIMEOUT);
            Instant before = Instant.now().minusSeconds(1);
            String reply = net.call(net.a, addressB.getHostAddress(), 7000, "hello-through-the-tunnel");
            assertTrue(reply.contains("REPLY hello-through-the-tunnel"), reply);
            assertTrue(reply.contains("FROM " + addressA.getHostAddress()), "the client's source is A's mesh address: " + reply);
            String served = Netns.awaitLog(serverLog, "ACCEPTED", TIMEOUT);
            assertTrue(served.contains("ACCEPTED " + addressA.getHostAddress()), "B saw the connection come from A's mesh address: " + served);

            PeerState seen = a.state().peer(publicB).orElseThrow();
            assertTrue(seen.lastHandshake().orElseThrow().isAfter(before), "a handshake happened: " + seen);
            assertTrue(seen.rxBytes() > 0 && seen.txBytes() > 0, "bytes both ways through the tunnel: " + seen);
            assertEquals(new InetSocketAddress(UapiText.literalAddress(Netns.UNDERLAY_B), PORT_B), seen.endpoint().orElseThrow());

            // the stock tool on B sees A the same way
            String dump = net.in(net.b, "wg", "show", nameB, "dump");
            String peerLine = dump.lines().filter(l -> l.startsWith(privateA.publicKey().base64())).findFirst().orElseThrow(
                    () -> new AssertionError("wg show dump on B lists A's key: " + dump));
            String[] f = peerLine.split("\t");
            assertEquals(Netns.UNDERLAY_A + ":" + PORT_A, f[2], "B knows A's endpoint: " + peerLine);
            assertNotEquals("0", f[4], "B has a handshake with A: " + peerLine);

            a.removePeer(publicB);
            assertTrue(a.state().peers().isEmpty(), "the peer is gone from the interface");
            String refused = net.call(net.a, addressB.getHostAddress(), 7000, "after-removal");
            assertTrue(refused.contains("FAILED"), "without the peer, nothing reaches B's listener: " + refused);
            assertEquals(1, Files.readString(serverLog.toPath()).lines().filter(l -> l.startsWith("ACCEPTED")).count(),
                    "B's listener accepted no second connection");
        }
        assertFalse(Files.exists(Path.of("/var/run/wireguard", nameA + ".sock")), "closing removes the interface and its socket");
        assertTrue(net.in(net.a, "ip", "-o", "link").lines().noneMatch(l -> l.contains(nameA + ":")), "the link is gone from namespace A");
    }

    @Test
    void anInterfaceLeftRunningIsAdoptedWithItsPeersReplacedAndARefusedSetChangesNothing() throws Exception {
        String nameA = net.wgName(net.a, "a");
        WgKey first = WgKey.generatePrivate(random);
        WireGuardInterface old = WireGuardInterface.up(settings(nameA), net.runner(net.a), first, PORT_A, addressA);
        old.putPeer(peerB(WgKey.generatePrivate(random).publicKey()));
        assertEquals(1, old.state().peers().size());

        // a node restarted after kill -9 finds its implementation still running and takes it over
        WgKey second = WgKey.generatePrivate(random);
        try (WireGuardInterface again = WireGuardInterface.up(settings(nameA), net.runner(net.a), second, PORT_A + 5, addressA)) {
            DeviceState s = again.state();
            assertEquals(second.publicKey(), s.publicKey().orElseThrow(), "the new key is in place");
            assertEquals(PORT_A + 5, s.listenPort());
            assertTrue(s.peers().isEmpty(), "peers of the earlier run are dropped: " + s.peers());
            long daemons = ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains("wireguard-go -f " + nameA)).count();
            assertEquals(1, daemons, "one wireguard-go for the interface, not a second one");

            UapiException refused = assertThrows(UapiException.class, () -> again.uapi().set(List.of("listen_port=70000")));
            assertNotEquals(0, refused.errno());
            assertTrue(refused.getMessage().contains("refused the configuration with errno"), refused.getMessage());
            assertEquals(PORT_A + 5, again.state().listenPort(), "a refused set leaves the port as it was");
        }
    }

    @Test
    void aMissingImplementationIsReportedWithItsPathAndLeavesNothingBehind() throws Exception {
        Path missing = Path.of("/nonexistent/wireguard-go");
        String reason = WireGuardAvailability.check(missing).orElseThrow();
        assertTrue(reason.contains(missing.toString()) && reason.contains("not an executable file"), reason);
        assertTrue(WireGuardAvailability.check(InterfaceSettings.DEFAULT_WIREGUARD_GO).isEmpty(),
                "as root with wireguard-go installed, WireGuard is available: " + WireGuardAvailability.check(InterfaceSettings.DEFAULT_WIREGUARD_GO));

        String nameA = net.wgName(net.a, "a");
        InterfaceSettings s = settings(nameA);
        InterfaceSettings bad = new InterfaceSettings(nameA, missing, s.socketDirectory(), s.logFile(), s.timeout());
        IOException e = assertThrows(IOException.class,
                () -> WireGuardInterface.up(bad, net.runner(net.a), WgKey.generatePrivate(random), PORT_A, addressA));
        assertTrue(e.getMessage().contains("wireguard-go for interface " + nameA) && e.getMessage().contains("exited"), e.getMessage());
        assertFalse(Files.exists(bad.socket()));
        assertTrue(net.in(net.a, "ip", "-o", "link").lines().noneMatch(l -> l.contains(nameA + ":")), "no link was left behind");
    }
}

package io.rhizome.transport.wireguard.tests;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.rhizome.transport.wireguard.internal.CommandRunner;
import io.rhizome.transport.wireguard.internal.InterfaceSettings;
import io.rhizome.transport.wireguard.internal.MeshAddresses;
import io.rhizome.transport.wireguard.internal.WireGuardInterface;
import io.rhizome.transport.wireguard.internal.tunnel.MeshDirectory;
import io.rhizome.transport.wireguard.internal.uapi.AllowedIp;
import io.rhizome.transport.wireguard.internal.uapi.PeerConfig;
import io.rhizome.transport.wireguard.internal.uapi.UapiText;
import io.rhizome.transport.wireguard.internal.uapi.WgKey;

/**
 * Two WireGuard interfaces in the one network namespace this JVM runs in, peered over loopback UDP,
 * so that two transports in one process talk through a real tunnel (the conformance suite needs
 * both ends in-process, and a JVM cannot enter a second namespace).
 *
 * <p>Why the policy routing: both tunnel addresses are local here, and Linux delivers traffic
 * between local addresses over {@code lo}, never through an interface. Rules consulted before the
 * local table send what this host originates from A's address to B's out of A's interface (and
 * back the same way), so each packet is encrypted by one wireguard-go, carried over loopback UDP
 * and decrypted by the other before it reaches the socket; arriving packets (iif is the WireGuard
 * interface, not {@code lo}) still find the local table. Run only inside a namespace made for it.
 */
final class TunnelPair implements AutoCloseable {

    static final String DEVICE_A = "device-a";
    static final String DEVICE_B = "device-b";

    final Inet6Address addressA;
    final Inet6Address addressB;
    final WireGuardInterface a;
    final WireGuardInterface b;
    final WgKey publicA;
    final WgKey publicB;
    final MeshDirectory directory;

    private TunnelPair(Inet6Address addressA, Inet6Address addressB, WireGuardInterface a, WireGuardInterface b, WgKey publicA, WgKey publicB) {
        this.addressA = addressA;
        this.addressB = addressB;
        this.a = a;
        this.b = b;
        this.publicA = publicA;
        this.publicB = publicB;
        Map<InetAddress, String> devices = Map.of(addressA, DEVICE_A, addressB, DEVICE_B);
        this.directory = address -> Optional.ofNullable(devices.get(address));
    }

    static TunnelPair create(String nameA, String nameB) throws IOException {
        CommandRunner here = CommandRunner.direct(Duration.ofSeconds(20));
        here.run(List.of("ip", "link", "set", "lo", "up"));
        Map<String, Inet6Address> plan = new MeshAddresses("conformance-" + nameA).assign(List.of(DEVICE_A, DEVICE_B));
        Inet6Address addressA = plan.get(DEVICE_A);
        Inet6Address addressB = plan.get(DEVICE_B);
        SecureRandom random = new SecureRandom();
        WgKey privateA = WgKey.generatePrivate(random);
        WgKey privateB = WgKey.generatePrivate(random);
        WireGuardInterface a = WireGuardInterface.up(settings(nameA), here, privateA, 41001, addressA);
        WireGuardInterface b = WireGuardInterface.up(settings(nameB), here, privateB, 41002, addressB);
        a.putPeer(new PeerConfig(privateB.publicKey(), Optional.of(UapiText.parseEndpoint("127.0.0.1:41002")), List.of(AllowedIp.host(addressB)), 0));
        b.putPeer(new PeerConfig(privateA.publicKey(), Optional.of(UapiText.parseEndpoint("127.0.0.1:41001")), List.of(AllowedIp.host(addressA)), 0));
        String xa = UapiText.format(addressA);
        String xb = UapiText.format(addressB);
        here.run(List.of("ip", "-6", "route", "add", xb, "dev", a.name(), "table", "100"));
        here.run(List.of("ip", "-6", "route", "add", xa, "dev", b.name(), "table", "101"));
        here.run(List.of("ip", "-6", "rule", "add", "pref", "100", "iif", "lo", "from", xa, "to", xb, "lookup", "100"));
        here.run(List.of("ip", "-6", "rule", "add", "pref", "101", "iif", "lo", "from", xb, "to", xa, "lookup", "101"));
        here.run(List.of("ip", "-6", "rule", "add", "pref", "1000", "lookup", "local"));
        here.run(List.of("ip", "-6", "rule", "del", "pref", "0", "lookup", "local"));
        return new TunnelPair(addressA, addressB, a, b, privateA.publicKey(), privateB.publicKey());
    }

    private static InterfaceSettings settings(String name) throws IOException {
        return new InterfaceSettings(name, InterfaceSettings.DEFAULT_WIREGUARD_GO, InterfaceSettings.DEFAULT_SOCKET_DIRECTORY,
                Files.createTempFile("wireguard-go-" + name, ".log"), Duration.ofSeconds(20));
    }

    /** Bytes A's interface received from B so far: proof that traffic went through the tunnel. */
    long bytesThroughTunnel() throws IOException {
        return a.state().peer(publicB).map(p -> p.rxBytes() + p.txBytes()).orElse(0L);
    }

    @Override
    public void close() {
        a.close();
        b.close();
    }
}

package io.rhizome.transport.libp2p.internal.holepunch;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import io.rhizome.transport.libp2p.internal.IdentifyInfo;
import io.rhizome.transport.libp2p.internal.Libp2pConnection;
import io.rhizome.transport.libp2p.internal.Libp2pHost;
import io.rhizome.transport.libp2p.internal.TcpAddresses;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;

/**
 * The addresses a hole punch announces and dials. Announced: each address other peers observed this
 * node at (identify, over direct connections) with its port replaced by the listen port, since a
 * punch dials out from the listen port and a port-preserving NAT maps it the same way; then the
 * listen addresses themselves. Dialed: the peer's IP/TCP addresses, not relayed ones.
 */
public final class PunchAddresses {

    /** At most this many addresses are announced or dialed. */
    static final int MAX = 8;

    private PunchAddresses() {
    }

    public static List<Multiaddr> announced(Libp2pHost host) {
        Set<Multiaddr> out = new LinkedHashSet<>();
        for (Libp2pConnection c : host.connections()) {
            if (c.isRelayed() || !c.isOpen() || !c.identified().isDone() || c.identified().isCompletedExceptionally()) {
                continue;
            }
            Optional<Multiaddr> observed = c.identified().join().observedAddr();
            observed.filter(PunchAddresses::isTcp).ifPresent(a -> {
                int port = listenPort(host, isIp6(a));
                if (port > 0) {
                    out.add(TcpAddresses.withTcpPort(a.withoutPeerId(), port));
                }
            });
        }
        host.listenAddresses().stream().map(Multiaddr::withoutPeerId).forEach(out::add);
        return out.stream().limit(MAX).toList();
    }

    /**
     * The peer's addresses worth a punch: IP/TCP ones, none of this host's own (both may listen on the
     * same port), and loopback ones only when the relayed connection itself runs over loopback (a
     * peer behind another NAT announces its 127.0.0.1 too; dialing it reaches this host itself).
     */
    static List<Multiaddr> dialable(Libp2pHost host, Libp2pConnection relayed, List<Multiaddr> announced) {
        boolean loopbackRelay = relayed.remoteAddress().components().stream().findFirst()
                .filter(c -> c.protocol() == Multiaddr.Protocol.IP4 || c.protocol() == Multiaddr.Protocol.IP6)
                .map(c -> {
                    try {
                        return InetAddress.getByAddress(c.value()).isLoopbackAddress();
                    } catch (UnknownHostException e) {
                        return false;
                    }
                }).orElse(false);
        Set<Multiaddr> own = new java.util.HashSet<>(host.listenAddresses().stream().map(Multiaddr::withoutPeerId).toList());
        return announced.stream().filter(PunchAddresses::isTcp).map(Multiaddr::withoutPeerId).filter(a -> !own.contains(a))
                .filter(a -> loopbackRelay || socketAddress(a).map(sa -> !sa.getAddress().isLoopbackAddress()).orElse(false))
                .distinct().limit(MAX).toList();
    }

    /** The port this host listens on for the address family, -1 if none. */
    static int listenPort(Libp2pHost host, boolean ip6) {
        List<InetSocketAddress> bound = host.boundAddresses();
        return bound.stream().filter(a -> (a.getAddress() instanceof Inet6Address) == ip6).findFirst()
                .or(() -> bound.stream().findFirst()).map(InetSocketAddress::getPort).orElse(-1);
    }

    static boolean isIp6(Multiaddr a) {
        return a.first(Multiaddr.Protocol.IP6).isPresent();
    }

    /** /ip4|ip6/ADDR/tcp/PORT (a /p2p suffix allowed), nothing relayed. */
    static boolean isTcp(Multiaddr a) {
        List<Multiaddr.Component> cs = a.withoutPeerId().components();
        return cs.size() == 2 && (cs.get(0).protocol() == Multiaddr.Protocol.IP4 || cs.get(0).protocol() == Multiaddr.Protocol.IP6)
                && cs.get(1).protocol() == Multiaddr.Protocol.TCP;
    }

    /** The socket address of an IP/TCP multiaddr (no name lookup). */
    public static Optional<InetSocketAddress> socketAddress(Multiaddr a) {
        if (!isTcp(a)) {
            return Optional.empty();
        }
        try {
            return Optional.of(new InetSocketAddress(InetAddress.getByAddress(a.components().get(0).value()),
                    TcpAddresses.tcpPort(a)));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    /** Whether the peer is a Rhizome node, which dials hole punches from its listen port (simultaneous open). */
    static boolean reusesPort(IdentifyInfo info) {
        return info.agentVersion().startsWith("rhizome/");
    }
}

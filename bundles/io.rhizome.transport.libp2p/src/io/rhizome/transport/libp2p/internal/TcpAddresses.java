package io.rhizome.transport.libp2p.internal;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.multiformats.MultiformatException;

/** TCP multiaddrs ↔ socket addresses, ports, and parsing of multiaddrs typed by users or sent by peers. */
public final class TcpAddresses {

    private TcpAddresses() {
    }

    static InetSocketAddress toSocketAddress(Multiaddr addr, boolean forListen) throws IOException {
        List<Multiaddr.Component> cs = addr.withoutPeerId().components();
        if (cs.size() != 2 || cs.get(1).protocol() != Multiaddr.Protocol.TCP) {
            throw new IOException("not a TCP multiaddr (expected /ip4|ip6|dns|dns4|dns6/<host>/tcp/<port>): " + addr);
        }
        byte[] p = cs.get(1).value();
        int port = ((p[0] & 0xFF) << 8) | (p[1] & 0xFF);
        Multiaddr.Component host = cs.get(0);
        switch (host.protocol()) {
            case IP4, IP6:
                return new InetSocketAddress(InetAddress.getByAddress(host.value()), port);
            case DNS, DNS4, DNS6:
                if (forListen) {
                    throw new IOException("cannot listen on a DNS multiaddr: " + addr);
                }
                try {
                    for (InetAddress a : InetAddress.getAllByName(host.valueText())) {
                        boolean ok = switch (host.protocol()) {
                            case DNS4 -> a instanceof Inet4Address;
                            case DNS6 -> a instanceof Inet6Address;
                            default -> true;
                        };
                        if (ok) {
                            return new InetSocketAddress(a, port);
                        }
                    }
                } catch (UnknownHostException e) {
                    throw new IOException("cannot resolve " + host.valueText() + " in " + addr, e);
                }
                throw new IOException("no " + host.protocol().label + " address for " + host.valueText());
            default:
                throw new IOException("unsupported address " + addr);
        }
    }

    /** The TCP port of a listen or dial multiaddr, -1 if it has none. */
    public static int tcpPort(Multiaddr addr) {
        return addr.first(Multiaddr.Protocol.TCP).map(c -> ((c.value()[0] & 0xFF) << 8) | (c.value()[1] & 0xFF)).orElse(-1);
    }

    /** {@code addr} with its TCP port replaced. */
    public static Multiaddr withTcpPort(Multiaddr addr, int port) {
        List<Multiaddr.Component> cs = new ArrayList<>();
        for (Multiaddr.Component c : addr.components()) {
            cs.add(c.protocol() == Multiaddr.Protocol.TCP
                    ? new Multiaddr.Component(Multiaddr.Protocol.TCP, new byte[] {(byte) (port >>> 8), (byte) port})
                    : c);
        }
        return new Multiaddr(cs);
    }

    /** Parses a multiaddr given by a user or peer, turning format errors into IOExceptions. */
    public static Multiaddr parseAddress(String text) throws IOException {
        try {
            return Multiaddr.parse(text);
        } catch (MultiformatException e) {
            throw new IOException("invalid multiaddr '" + text + "': " + e.getMessage(), e);
        }
    }

    /** The addresses of every interface that is up, IPv4 or IPv6 (not link-local), at {@code port}, ending in /p2p/{peer}. */
    static List<Multiaddr> interfaceAddresses(int port, boolean v6, io.rhizome.transport.libp2p.internal.multiformats.PeerId peer) {
        List<Multiaddr> out = new ArrayList<>();
        try {
            for (var nif : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
                if (!nif.isUp()) {
                    continue;
                }
                for (InetAddress a : java.util.Collections.list(nif.getInetAddresses())) {
                    if (!v6 && a instanceof Inet4Address || v6 && a instanceof Inet6Address && !a.isLinkLocalAddress()) {
                        out.add(Multiaddr.tcp(a, port).withPeerId(peer));
                    }
                }
            }
        } catch (java.net.SocketException e) {
            // no interfaces to list: only the configured addresses are announced
        }
        return out;
    }
}

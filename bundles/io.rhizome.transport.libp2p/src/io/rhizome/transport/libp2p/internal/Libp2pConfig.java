package io.rhizome.transport.libp2p.internal;

import java.util.List;

import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.yamux.YamuxConfig;

/**
 * Settings of a libp2p host.
 *
 * @param listenAddresses TCP multiaddrs to listen on (port 0 picks a free port)
 * @param agentVersion sent in identify, "rhizome/&lt;version&gt;"
 * @param handshakeTimeoutMillis bound on the security upgrade and each stream's negotiation
 * @param yamux stream limits and windows
 * @param ioThreads event-loop threads
 * @param maxConnections established connections (inbound and outbound) beyond which new inbound
 *        ones are refused, unless a trusted device takes the slot of one that is not trusted;
 *        handshakes have slots of their own ({@link InboundLimits})
 */
public record Libp2pConfig(List<Multiaddr> listenAddresses, String agentVersion, long handshakeTimeoutMillis,
        YamuxConfig yamux, int ioThreads, int maxConnections) {

    public Libp2pConfig {
        listenAddresses = List.copyOf(listenAddresses);
    }

    public static Libp2pConfig loopback(String agentVersion) {
        return new Libp2pConfig(List.of(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")), agentVersion, 10_000,
                YamuxConfig.defaults(), 2, 256);
    }

    public Libp2pConfig withListenAddresses(List<Multiaddr> addresses) {
        return new Libp2pConfig(addresses, agentVersion, handshakeTimeoutMillis, yamux, ioThreads, maxConnections);
    }

    public Libp2pConfig withMaxConnections(int max) {
        return new Libp2pConfig(listenAddresses, agentVersion, handshakeTimeoutMillis, yamux, ioThreads, max);
    }

    public Libp2pConfig withYamux(YamuxConfig y) {
        return new Libp2pConfig(listenAddresses, agentVersion, handshakeTimeoutMillis, y, ioThreads, maxConnections);
    }
}

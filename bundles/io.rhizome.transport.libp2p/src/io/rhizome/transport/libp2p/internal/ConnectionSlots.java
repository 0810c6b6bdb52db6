package io.rhizome.transport.libp2p.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.netty.channel.Channel;

/**
 * Who gets a connection slot of a host. Handshakes and established connections have separate slots,
 * so connections that never finish their handshake cannot keep paired devices out:
 * <ul>
 * <li>an IP address may have {@link InboundLimits#maxHandshakesPerAddress()} inbound handshakes at
 * once; one more is refused;</li>
 * <li>all addresses together {@link InboundLimits#maxHandshakes()}; past that, the oldest handshake
 * that has not sent a byte yet (half-open) makes room, else the newcomer is refused;</li>
 * <li>established connections {@link Libp2pConfig#maxConnections()}: a trusted device past that
 * takes the slot of the oldest device that is not trusted (a further connection of a trusted device
 * that holds one already, such as an AutoNAT dial-back, is admitted and takes no one's); a device
 * that is not trusted is refused,
 * and may have at most {@link InboundLimits#maxUntrustedPerAddress()} from one address. Outbound
 * connections (this node dialled) are counted, never refused.</li>
 * </ul>
 * Thread-safe; decisions are quick and made under one lock.
 */
final class ConnectionSlots {

    /** What to do with a connection: admit it (closing {@code evict} first, if any) or refuse it with a reason. */
    record Decision(boolean admitted, Optional<Channel> evict, String reason) {
        static Decision admit() {
            return new Decision(true, Optional.empty(), "");
        }

        static Decision admitEvicting(Channel c, String why) {
            return new Decision(true, Optional.of(c), why);
        }

        static Decision refuse(String reason) {
            return new Decision(false, Optional.empty(), reason);
        }
    }

    private static final class Handshake {
        final InetAddress address;
        boolean spoke;

        Handshake(InetAddress address) {
            this.address = address;
        }
    }

    private final int maxEstablished;
    private final InboundLimits limits;
    private final PeerTrust trust;
    /** Inbound connections still handshaking, oldest first. */
    private final LinkedHashMap<Channel, Handshake> handshakes = new LinkedHashMap<>();
    /** Established connections, oldest first. */
    private final List<Libp2pConnection> established = new ArrayList<>();

    ConnectionSlots(int maxEstablished, InboundLimits limits, PeerTrust trust) {
        this.maxEstablished = maxEstablished;
        this.limits = limits;
        this.trust = trust;
    }

    synchronized Decision handshakeStarting(Channel ch) {
        InetAddress address = addressOf(ch);
        int fromAddress = 0;
        for (Handshake h : handshakes.values()) {
            if (h.address.equals(address)) {
                fromAddress++;
            }
        }
        if (fromAddress >= limits.maxHandshakesPerAddress()) {
            return Decision.refuse(fromAddress + " handshakes from " + address.getHostAddress() + " already (limit per address)");
        }
        Decision d = Decision.admit();
        if (handshakes.size() >= limits.maxHandshakes()) {
            Optional<Channel> silent = handshakes.entrySet().stream().filter(e -> !e.getValue().spoke).map(Map.Entry::getKey)
                    .findFirst();
            if (silent.isEmpty()) {
                return Decision.refuse(handshakes.size() + " handshakes in progress (limit)");
            }
            handshakes.remove(silent.get());
            d = Decision.admitEvicting(silent.get(), "the oldest silent handshake made room for a new one");
        }
        handshakes.put(ch, new Handshake(address));
        return d;
    }

    /** The remote sent its first byte: it is no longer a half-open connection that may be dropped for a newcomer. */
    synchronized void spoke(Channel ch) {
        Handshake h = handshakes.get(ch);
        if (h != null) {
            h.spoke = true;
        }
    }

    synchronized void handshakeEnded(Channel ch) {
        handshakes.remove(ch);
    }

    synchronized Decision establishing(Libp2pConnection c) {
        handshakes.remove(c.channel());
        if (c.isInitiator()) {
            established.add(c);
            return Decision.admit();
        }
        Decision d = Decision.admit();
        if (!trust.trusts(c.remotePeer())) {
            InetAddress address = addressOf(c.channel());
            long fromAddress = established.stream()
                    .filter(e -> !e.isInitiator() && addressOf(e.channel()).equals(address) && !trust.trusts(e.remotePeer()))
                    .count();
            if (fromAddress >= limits.maxUntrustedPerAddress()) {
                return Decision.refuse(fromAddress + " connections of devices that are not trusted from "
                        + address.getHostAddress() + " already (limit per address)");
            }
            if (established.size() >= maxEstablished) {
                return Decision.refuse(established.size() + " connections open (limit)");
            }
        } else if (established.size() >= maxEstablished && established.stream().anyMatch(e -> e.remotePeer().equals(c.remotePeer()))) {
            // A further connection of a trusted device that holds a slot already (an AutoNAT dial-back,
            // two dials crossing): it takes no one's slot; trusted devices are few and known.
            established.add(c);
            return d;
        } else if (established.size() >= maxEstablished) {
            Optional<Libp2pConnection> stranger = established.stream()
                    .filter(e -> !e.isInitiator() && !trust.trusts(e.remotePeer())).findFirst();
            if (stranger.isEmpty()) {
                return Decision.refuse(established.size() + " connections of trusted devices open (limit)");
            }
            established.remove(stranger.get());
            d = Decision.admitEvicting(stranger.get().channel(),
                    "a trusted device takes the slot of " + stranger.get().remotePeer() + ", which is not trusted");
        }
        established.add(c);
        return d;
    }

    synchronized void closed(Channel ch) {
        handshakes.remove(ch);
        established.removeIf(c -> c.channel() == ch);
    }

    synchronized int handshaking() {
        return handshakes.size();
    }

    synchronized int establishedCount() {
        return established.size();
    }

    private static InetAddress addressOf(Channel ch) {
        Object a = ch.remoteAddress();
        return a instanceof InetSocketAddress s ? s.getAddress() : InetAddress.getLoopbackAddress();
    }
}

package io.rhizome.transport.libp2p.internal.holepunch;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.transport.libp2p.internal.IdentifyInfo;
import io.rhizome.transport.libp2p.internal.Libp2pConnection;
import io.rhizome.transport.libp2p.internal.Libp2pHost;
import io.rhizome.transport.libp2p.internal.StreamProtocol;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.multiformats.PeerId;
import io.rhizome.transport.libp2p.internal.yamux.StreamHandler;
import io.rhizome.transport.libp2p.internal.yamux.YamuxStream;

/**
 * DCUtR ({@value #PROTOCOL}, libp2p specs relay/DCUtR.md): upgrades a relayed connection to a direct
 * one by hole punching. The peer that received the relayed connection (B, {@link PunchInitiator})
 * opens the stream, sends CONNECT with its addresses, measures the round trip to the CONNECT answer,
 * sends SYNC and dials after half the round trip; the peer that dialed through the relay (A,
 * {@link PunchResponder}) answers CONNECT with its addresses and dials at once on SYNC. Up to
 * {@value #ATTEMPTS} attempts on the same stream, then the connection stays relayed.
 *
 * <p>TCP: both dial from their listen port, so the two SYNs meet in each NAT's mapping (simultaneous
 * open). Then both sides called connect on one socket, so the roles are fixed: B is the security
 * initiator, A the responder, also when A's dial reaches B's listener first (B knows A's addresses).
 * With a peer that is not a Rhizome node (it does not dial from its listen port) both just dial
 * normally. A direct connection made so is {@link Libp2pConnection#markHolePunched marked}; the
 * relayed one closes after {@link #GRACE} (streams on it are opened again on the direct one: the
 * host prefers direct connections).
 */
public final class HolePunchService implements StreamProtocol {

    public static final String PROTOCOL = "/libp2p/dcutr";
    static final int ATTEMPTS = 3;
    static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(10);
    /** How long one attempt waits for the direct connection (TCP retransmits its SYN after 1 s and 3 s). */
    static final Duration PUNCH_TIMEOUT = Duration.ofSeconds(6);
    static final Duration GRACE = Duration.ofSeconds(1);
    private static final Logger LOG = LoggerFactory.getLogger(HolePunchService.class);

    private final Libp2pHost host;
    /** B side: inbound connections from these addresses are A's punch dials (B upgrades as initiator). */
    private final Map<InetSocketAddress, PeerId> expectedInbound = new ConcurrentHashMap<>();
    /** A direct connection to this peer completes an attempt in progress. */
    private final Map<PeerId, CompletableFuture<Libp2pConnection>> awaited = new ConcurrentHashMap<>();
    private final AtomicLong succeeded = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    private HolePunchService(Libp2pHost host) {
        this.host = host;
    }

    /** Serves {@value #PROTOCOL} on {@code host} and starts a punch on each relayed connection it receives. */
    public static HolePunchService install(Libp2pHost host) {
        HolePunchService s = new HolePunchService(host);
        host.register(PROTOCOL, s);
        host.inboundInitiator(s::expectedInbound);
        host.onConnection(s::connected);
        return s;
    }

    /** Upgrades that succeeded and that gave up after all attempts, since start. */
    public long succeeded() {
        return succeeded.get();
    }

    public long failed() {
        return failed.get();
    }

    private Optional<PeerId> expectedInbound(InetSocketAddress remote) {
        return Optional.ofNullable(expectedInbound.get(remote));
    }

    private void connected(Libp2pConnection c) {
        if (!c.isRelayed()) {
            CompletableFuture<Libp2pConnection> f = awaited.get(c.remotePeer());
            if (f != null) {
                f.complete(c);
            }
            return;
        }
        if (c.isInitiator()) {
            return; // we dialed through the relay: we are A, the other side starts
        }
        c.identified().thenAccept(info -> {
            if (info.protocols().contains(PROTOCOL) && !hasDirect(c.remotePeer())) {
                PunchInitiator.start(this, c, info);
            }
        });
    }

    private boolean hasDirect(PeerId peer) {
        return host.connections().stream().anyMatch(x -> x.isOpen() && !x.isRelayed() && x.remotePeer().equals(peer));
    }

    @Override
    public StreamHandler accept(Libp2pConnection connection, YamuxStream stream) {
        if (!connection.isRelayed()) {
            LOG.debug("{} asked for a hole punch over a direct connection; refused", connection);
            stream.reset();
            return new StreamHandler() {
                @Override
                public void onData(YamuxStream s, io.netty.buffer.ByteBuf data) {
                }
            };
        }
        return new PunchResponder(this, connection);
    }

    Libp2pHost host() {
        return host;
    }

    List<Multiaddr> announced() {
        return PunchAddresses.announced(host);
    }

    /**
     * Registers an attempt: completes with the first direct connection to the peer of {@code relayed}
     * within {@link #PUNCH_TIMEOUT}, then marks it and closes the relayed one after the grace period.
     */
    CompletableFuture<Libp2pConnection> await(Libp2pConnection relayed) {
        PeerId peer = relayed.remotePeer();
        CompletableFuture<Libp2pConnection> f = new CompletableFuture<>();
        awaited.put(peer, f);
        host.connections().stream().filter(x -> x.isOpen() && !x.isRelayed() && x.remotePeer().equals(peer))
                .findFirst().ifPresent(f::complete);
        f.orTimeout(PUNCH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).whenComplete((direct, err) -> {
            awaited.remove(peer, f);
            if (err == null) {
                direct.markHolePunched();
                LOG.info("hole punch to {} succeeded: direct connection {}; closing the relayed one", peer, direct);
                relayed.channel().eventLoop().schedule(relayed::close, GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
        });
        return f;
    }

    /** B: expects A's dials from {@code theirs} while an attempt runs. */
    void expect(List<Multiaddr> theirs, PeerId peer, CompletableFuture<?> attempt) {
        List<InetSocketAddress> addrs = theirs.stream().flatMap(a -> PunchAddresses.socketAddress(a).stream()).toList();
        addrs.forEach(a -> expectedInbound.put(a, peer));
        attempt.whenComplete((x, e) -> addrs.forEach(a -> expectedInbound.remove(a, peer)));
    }

    /** Dials each of the peer's addresses; as security initiator or not as the punch assigned (see class doc). */
    void dial(PeerId peer, List<Multiaddr> theirs, boolean initiator, IdentifyInfo info) {
        boolean reuse = PunchAddresses.reusesPort(info);
        for (Multiaddr a : theirs) {
            Multiaddr target = a.withPeerId(peer);
            int port = PunchAddresses.listenPort(host, PunchAddresses.isIp6(a));
            CompletableFuture<Libp2pConnection> d = reuse && port > 0 ? host.dialFromListenPort(target, initiator, port)
                    : host.dial(target);
            d.whenComplete((c, err) -> {
                if (err != null) {
                    LOG.debug("hole punch dial {} failed: {}", target, err.getMessage());
                }
            });
        }
    }

    void finished(PeerId peer, boolean success) {
        (success ? succeeded : failed).incrementAndGet();
        if (!success) {
            LOG.info("hole punch to {} failed after {} attempts; the connection stays relayed", peer, ATTEMPTS);
        }
    }
}

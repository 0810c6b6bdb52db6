package io.rhizome.transport.libp2p.internal.autonat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.buffer.ByteBuf;
import io.rhizome.transport.libp2p.internal.IdentifyInfo;
import io.rhizome.transport.libp2p.internal.Libp2pConnection;
import io.rhizome.transport.libp2p.internal.Libp2pHost;
import io.rhizome.transport.libp2p.internal.autonat.AutoNatMessage.DialResponse;
import io.rhizome.transport.libp2p.internal.autonat.AutoNatMessage.Status;
import io.rhizome.transport.libp2p.internal.holepunch.PunchAddresses;
import io.rhizome.transport.libp2p.internal.multiformats.MultiformatException;
import io.rhizome.transport.libp2p.internal.multiformats.PeerId;
import io.rhizome.transport.libp2p.internal.relay.DelimitedMessages;
import io.rhizome.transport.libp2p.internal.yamux.StreamHandler;
import io.rhizome.transport.libp2p.internal.yamux.YamuxStream;

/**
 * AutoNAT v1 ({@value #PROTOCOL}): serves dial-backs ({@link AutoNatServer}) and finds out whether
 * this node is reachable: when a direct connection to a peer that speaks AutoNAT is identified and
 * the answer is unknown or older than {@link #RECHECK}, it asks that peer to dial back the addresses
 * of {@link PunchAddresses#announced}. An {@code OK} makes the node {@code public}, an
 * {@code E_DIAL_ERROR} {@code private}; refusals change nothing. The spec suggests waiting for more
 * than three peers; a device knows few peers (its relay, its other devices), so each answer counts
 * and a later one can flip it.
 *
 * <p>js-libp2p nodes (identify agent {@code libp2p/…} or {@code js-libp2p/…}, js-libp2p's defaults)
 * are not asked: their AutoNAT v1 server ({@code @libp2p/autonat} 3) takes the requester's own
 * connection for the "dial-back" (its connection manager returns the open one) and closes it
 * afterwards, before the answer is written, so the question costs the connection and never gets
 * an answer. Any other peer that closes the connection instead of answering is not asked again for
 * {@link #RECHECK}, so that reconnecting to it does not lose every new connection the same way; at
 * most {@link #MAX_REMEMBERED} such peers are remembered.
 */
public final class AutoNatService {

    public static final String PROTOCOL = "/libp2p/autonat/1.0.0";
    static final Duration RECHECK = Duration.ofMinutes(10);
    static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(20);
    static final int MAX_REMEMBERED = 256;
    /** A connection that closes within this time of a request failing was closed by the server instead of answering. */
    static final Duration DROP_WINDOW = Duration.ofSeconds(2);
    private static final Logger LOG = LoggerFactory.getLogger(AutoNatService.class);

    public enum Reachability {
        UNKNOWN, PUBLIC, PRIVATE;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Libp2pHost host;
    private final AtomicBoolean asking = new AtomicBoolean();
    private volatile Reachability reachability = Reachability.UNKNOWN;
    private volatile long decidedAtNanos;
    /** Peers that closed the connection instead of answering, with when they did (nanoTime). */
    private final Map<PeerId, Long> dropped = new ConcurrentHashMap<>();

    private AutoNatService(Libp2pHost host) {
        this.host = host;
    }

    /** Serves dial-backs on {@code host}; with {@code ask}, also asks its peers about this node. */
    public static AutoNatService install(Libp2pHost host, boolean ask) {
        AutoNatService s = new AutoNatService(host);
        host.register(PROTOCOL, new AutoNatServer(host));
        if (ask) {
            host.onConnection(s::connected);
        }
        return s;
    }

    public Reachability reachability() {
        return reachability;
    }

    private void connected(Libp2pConnection c) {
        if (c.isRelayed()) {
            return;
        }
        c.identified().thenAccept(info -> {
            boolean stale = reachability == Reachability.UNKNOWN
                    || System.nanoTime() - decidedAtNanos > RECHECK.toNanos();
            if (info.protocols().contains(PROTOCOL) && stale && c.isOpen() && answers(info) && !droppedRecently(c.remotePeer())
                    && asking.compareAndSet(false, true)) {
                ask(c).whenComplete((r, err) -> {
                    asking.set(false);
                    if (err != null) {
                        LOG.debug("AutoNAT request to {} failed: {}", c.remotePeer(), err.getMessage());
                        // the connection closing with the request (go-away, then the socket) is the drop
                        c.closeFuture().orTimeout(DROP_WINDOW.toMillis(), TimeUnit.MILLISECONDS)
                                .thenRun(() -> remember(c.remotePeer()));
                    } else {
                        decide(c, r);
                    }
                });
            }
        });
    }

    /** Whether a peer's AutoNAT server can answer at all (js-libp2p's cannot: see the class doc). */
    static boolean answers(IdentifyInfo info) {
        String agent = info.agentVersion() == null ? "" : info.agentVersion();
        return !agent.startsWith("libp2p/") && !agent.startsWith("js-libp2p/");
    }

    private boolean droppedRecently(PeerId peer) {
        Long at = dropped.get(peer);
        if (at == null) {
            return false;
        }
        if (System.nanoTime() - at > RECHECK.toNanos()) {
            dropped.remove(peer, at);
            return false;
        }
        return true;
    }

    private void remember(PeerId peer) {
        if (dropped.size() >= MAX_REMEMBERED) {
            dropped.entrySet().stream().min(Map.Entry.comparingByValue()).ifPresent(e -> dropped.remove(e.getKey(), e.getValue()));
        }
        dropped.put(peer, System.nanoTime());
        LOG.info("AutoNAT: {} closed the connection instead of answering; not asking it again for {} min", peer, RECHECK.toMinutes());
    }

    private void decide(Libp2pConnection c, DialResponse r) {
        Reachability next = r.status() == Status.OK ? Reachability.PUBLIC
                : r.status() == Status.E_DIAL_ERROR ? Reachability.PRIVATE : null;
        if (next == null) {
            LOG.debug("AutoNAT: {} declined: {} {}", c.remotePeer(), r.status(), r.statusText());
            return;
        }
        if (next != reachability) {
            LOG.info("AutoNAT: this node is {} ({} {})", next.label(), c.remotePeer(),
                    r.address().map(a -> "dialed it back at " + a).orElse("could not dial it back"));
        }
        reachability = next;
        decidedAtNanos = System.nanoTime();
    }

    private CompletableFuture<DialResponse> ask(Libp2pConnection c) {
        return request(host, c, PunchAddresses.announced(host));
    }

    /** One dial-back request to the peer of {@code c}: please dial {@code self} at {@code addresses}. */
    public static CompletableFuture<DialResponse> request(Libp2pHost self, Libp2pConnection c,
            List<io.rhizome.transport.libp2p.internal.multiformats.Multiaddr> addresses) {
        CompletableFuture<DialResponse> result = new CompletableFuture<>();
        DelimitedMessages in = new DelimitedMessages(AutoNatMessage.MAX_MESSAGE);
        StreamHandler handler = new StreamHandler() {
            @Override
            public void onData(YamuxStream s, ByteBuf data) {
                try {
                    in.add(data);
                    Optional<byte[]> msg = in.next();
                    if (msg.isPresent()) {
                        if (AutoNatMessage.decode(msg.get()) instanceof DialResponse r) {
                            result.complete(r);
                        } else {
                            throw new MultiformatException("expected DIAL_RESPONSE");
                        }
                        s.closeWrite();
                    }
                } catch (MultiformatException e) {
                    result.completeExceptionally(e);
                    s.reset();
                }
            }

            @Override
            public void onClose(YamuxStream s, Throwable cause) {
                in.release();
                result.completeExceptionally(new java.io.IOException("AutoNAT stream closed before the answer"));
            }
        };
        c.newStream(PROTOCOL, handler).whenComplete((s, err) -> {
            if (err != null) {
                result.completeExceptionally(err);
            } else {
                s.write(DelimitedMessages.frame(AutoNatMessage.encode(new AutoNatMessage.Dial(self.peerId().multihash(), addresses))));
            }
        });
        return result.orTimeout(ANSWER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }
}

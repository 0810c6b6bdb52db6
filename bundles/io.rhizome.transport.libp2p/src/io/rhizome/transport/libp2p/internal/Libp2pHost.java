package io.rhizome.transport.libp2p.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.multiformats.PeerId;
import io.rhizome.transport.libp2p.internal.noise.IdentitySigner;
import io.rhizome.transport.libp2p.internal.noise.NoiseSecurityHandler;
import io.rhizome.transport.libp2p.internal.noise.NoiseXX;
import io.rhizome.transport.libp2p.internal.yamux.YamuxSession;
import io.rhizome.transport.libp2p.internal.yamux.YamuxStream;

/**
 * A libp2p node over TCP: listens and dials (the sockets are {@link TcpListener}'s and
 * {@link TcpDialer}'s), upgrades each connection (multistream-select → Noise → multistream-select →
 * Yamux), admits it within its {@link ConnectionSlots}, answers identify and ping, and serves
 * registered stream protocols.
 *
 * <p>Thread-safe. {@link #start} once, {@link #stop} once; connection events come from I/O threads.
 */
public final class Libp2pHost {

    private static final Logger LOG = LoggerFactory.getLogger(Libp2pHost.class);

    private final IdentitySigner identity;
    private final Libp2pConfig config;
    private final PeerId peerId;
    private final byte[] noiseStaticKey;
    private final Map<String, StreamProtocol> protocols = new ConcurrentHashMap<>();
    private final List<Consumer<Libp2pConnection>> connectionListeners = new CopyOnWriteArrayList<>();
    private final List<Libp2pConnection> connections = new CopyOnWriteArrayList<>();
    private final PeerTrust trust;
    private final InboundLimits limits;
    private final FrameBudget frameBudget;
    private final ConnectionSlots slots;
    private final TcpListener tcpListener;
    private final TcpDialer tcpDialer;
    private volatile Function<Multiaddr, CompletableFuture<Libp2pConnection>> circuitDialer;
    private volatile Function<InetSocketAddress, Optional<PeerId>> inboundInitiator = a -> Optional.empty();
    private volatile EventLoopGroup group;
    private volatile boolean stopped;

    public Libp2pHost(IdentitySigner identity, Libp2pConfig config) {
        this(identity, config, PeerTrust.EVERYONE, InboundLimits.defaults());
    }

    /**
     * @param trust  which authenticated peers are trusted devices: they may send large frames and
     *               take connection slots from peers that are not
     * @param limits what remote parties may make this host hold and occupy
     */
    public Libp2pHost(IdentitySigner identity, Libp2pConfig config, PeerTrust trust, InboundLimits limits) {
        this.identity = identity;
        this.config = config;
        this.trust = trust;
        this.limits = limits;
        this.frameBudget = new FrameBudget(limits.frameBudgetBytes(), limits.untrustedFrameBudgetBytes());
        this.slots = new ConnectionSlots(config.maxConnections(), limits, this::trusts);
        this.peerId = PeerId.fromEd25519(identity.publicKey());
        // libp2p allows a fresh Noise static key per process: the identity key signs it in every handshake
        this.noiseStaticKey = NoiseXX.generatePrivateKey(new SecureRandom());
        this.tcpListener = new TcpListener(config.listenAddresses(), peerId);
        this.tcpDialer = new TcpDialer(config.handshakeTimeoutMillis(), this::upgrade);
        protocols.put(IdentifyProtocol.ID, new IdentifyProtocol(this));
        protocols.put(PingProtocol.ID, new PingProtocol());
    }

    public PeerId peerId() {
        return peerId;
    }

    public Libp2pConfig config() {
        return config;
    }

    public InboundLimits limits() {
        return limits;
    }

    /** What inbound frames of this host's links hold now (tests and diagnostics read its accounting). */
    public FrameBudget frameBudget() {
        return frameBudget;
    }

    /** Inbound connections still handshaking now. */
    public int handshaking() {
        return slots.handshaking();
    }

    /** Connections past their handshake now, inbound and outbound. */
    public int establishedConnections() {
        return slots.establishedCount();
    }

    /** Whether {@code peer} is a trusted device; a failing trust source counts as "not trusted". */
    public boolean trusts(PeerId peer) {
        try {
            return trust.trusts(peer);
        } catch (RuntimeException e) {
            LOG.debug("trust check of {} failed: {}", peer, e.toString());
            return false;
        }
    }

    /** Serves {@code protocolId} on inbound streams. */
    public void register(String protocolId, StreamProtocol protocol) {
        protocols.put(protocolId, protocol);
    }

    /** Stops serving {@code protocolId} on new streams; open streams are not affected. */
    public void unregister(String protocolId) {
        protocols.remove(protocolId);
    }

    /** Called for each connection once it is authenticated and multiplexed, inbound and outbound. */
    public void onConnection(Consumer<Libp2pConnection> listener) {
        connectionListeners.add(listener);
    }

    public synchronized void start() throws IOException {
        if (group != null) {
            throw new IllegalStateException("already started");
        }
        group = new NioEventLoopGroup(config.ioThreads(), new DefaultThreadFactory("rhizome-libp2p", true));
        try {
            tcpListener.bind(group, this::accepted);
        } catch (IOException | RuntimeException e) {
            stop();
            throw e;
        }
    }

    /**
     * An inbound TCP connection, from its channel's initializer: refused when stopping or out of
     * slots, else upgraded as the responder (or as a hole punch decided).
     */
    private void accepted(SocketChannel ch) {
        if (stopped) {
            ch.close();
            return;
        }
        ConnectionSlots.Decision d = slots.handshakeStarting(ch);
        if (!d.admitted()) {
            LOG.warn("refusing libp2p connection from {}: {}", ch.remoteAddress(), d.reason());
            ch.close();
            return;
        }
        d.evict().ifPresent(Channel::close);
        ch.pipeline().addLast("slot-watch", new FirstByteWatch(slots));
        // a hole punch may land on the listener: then the punch decides the roles
        Optional<PeerId> punch = inboundInitiator.apply(ch.remoteAddress());
        upgrade(ch, punch.isPresent(), punch, new CompletableFuture<>());
    }

    /** The bound listen addresses, each ending in /p2p/{our peer id}; empty when stopped. */
    public List<Multiaddr> listenAddresses() {
        return tcpListener.listenAddresses();
    }

    /**
     * The socket addresses actually bound, one per configured listen address and in the same order
     * (wildcards not expanded, ports resolved); empty when stopped.
     */
    public List<InetSocketAddress> boundAddresses() {
        return tcpListener.boundAddresses();
    }

    /** Who dials /p2p-circuit addresses (the circuit relay client), none by default. */
    public void circuitDialer(Function<Multiaddr, CompletableFuture<Libp2pConnection>> dialer) {
        this.circuitDialer = dialer;
    }

    /**
     * Which inbound TCP connections this host upgrades as the security initiator, and as which
     * peer: a hole punch whose dial reached the listener instead of meeting ours (DCUtR).
     */
    public void inboundInitiator(Function<InetSocketAddress, Optional<PeerId>> rule) {
        this.inboundInitiator = rule;
    }

    /**
     * Dials {@code address}; if it ends in /p2p/{id}, the remote must authenticate as that peer. A
     * /p2p-circuit address goes to the {@link #circuitDialer}.
     */
    public CompletableFuture<Libp2pConnection> dial(Multiaddr address) {
        if (address.first(Multiaddr.Protocol.P2P_CIRCUIT).isPresent() && group != null && !stopped) {
            Function<Multiaddr, CompletableFuture<Libp2pConnection>> d = circuitDialer;
            return d != null ? d.apply(address)
                    : CompletableFuture.failedFuture(new IOException("cannot dial " + address + ": this node has no circuit relay client"));
        }
        return dialTcp(address, true, Optional.empty());
    }

    /**
     * A hole-punching dial: TCP from {@code localPort} (the listen port, shared with SO_REUSEPORT, so
     * the NAT maps it as it mapped the port the peer learned), as security {@code initiator} or not
     * as the punch assigned the roles (in a simultaneous open both sides dialed).
     */
    public CompletableFuture<Libp2pConnection> dialFromListenPort(Multiaddr address, boolean initiator, int localPort) {
        return dialTcp(address, initiator, Optional.of(localPort));
    }

    private CompletableFuture<Libp2pConnection> dialTcp(Multiaddr address, boolean initiator, Optional<Integer> localPort) {
        EventLoopGroup g = group;
        if (g == null || stopped) {
            return CompletableFuture.failedFuture(new IOException("libp2p node is not running"));
        }
        return tcpDialer.dial(g, address, initiator, localPort);
    }

    /** An open connection to {@code peer}, if any; a direct one before a relayed one. */
    public Optional<Libp2pConnection> connectionTo(PeerId peer) {
        return connections.stream().filter(c -> c.remotePeer().equals(peer) && c.isOpen())
                .min(java.util.Comparator.comparing(Libp2pConnection::isRelayed));
    }

    public List<Libp2pConnection> connections() {
        return List.copyOf(connections);
    }

    public synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        tcpListener.close();
        for (Libp2pConnection c : connections) {
            c.channel().close();
        }
        EventLoopGroup g = group;
        if (g != null) {
            g.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        connections.clear();
    }

    IdentifyInfo identifyFor(Libp2pConnection connection) {
        List<Multiaddr> listen = listenAddresses().stream().map(Multiaddr::withoutPeerId).toList();
        return new IdentifyInfo(IdentifyInfo.PROTOCOL_VERSION, config.agentVersion(),
                PeerId.encodeEd25519PublicKey(identity.publicKey()), listen,
                Optional.of(connection.remoteAddress().withoutPeerId()), List.copyOf(protocols.keySet()));
    }

    /**
     * Runs the libp2p upgrade (Noise, Yamux) over a relayed connection's channel. Call from the
     * channel's initializer, before it is active.
     */
    public CompletableFuture<Libp2pConnection> upgradeRelayed(Channel ch, boolean initiator, PeerId expected) {
        CompletableFuture<Libp2pConnection> ready = new CompletableFuture<>();
        upgrade(ch, initiator, Optional.of(expected), ready);
        return ready;
    }

    private void upgrade(Channel ch, boolean initiator, Optional<PeerId> expected,
            CompletableFuture<Libp2pConnection> ready) {
        ch.closeFuture().addListener(f -> slots.closed(ch));
        NoiseSecurityHandler security = new NoiseSecurityHandler(initiator, identity, noiseStaticKey, expected,
                config.handshakeTimeoutMillis(), (ctx, remote) -> {
                    // the remote address of a dialed channel is only known once connected
                    String peerLabel = remote + "@" + ctx.channel().remoteAddress();
                    ctx.pipeline().addAfter(ctx.name(), "muxer-select", new MuxerNegotiation(initiator,
                            config.handshakeTimeoutMillis(), muxCtx -> {
                                Libp2pConnection[] holder = new Libp2pConnection[1];
                                // a stranger gets the initial window and few streams: what it can make this node hold unasked
                                YamuxSession session = new YamuxSession(initiator, trusts(remote) ? config.yamux()
                                        : config.yamux().forUntrusted(InboundLimits.UNTRUSTED_MAX_STREAMS),
                                        stream -> acceptStream(holder[0], stream), peerLabel);
                                muxCtx.pipeline().addAfter(muxCtx.name(), "yamux", session);
                                holder[0] = new Libp2pConnection(this, ch, remote, initiator, session);
                                established(holder[0], ready);
                            }));
                });
        security.result().whenComplete((peer, err) -> {
            if (err != null) {
                ready.completeExceptionally(new IOException("libp2p security handshake with " + ch.remoteAddress() + " failed: "
                        + err.getMessage(), err));
            }
        });
        ch.closeFuture().addListener(f -> {
            if (!ready.isDone()) {
                ready.completeExceptionally(new IOException("connection to " + ch.remoteAddress()
                        + " closed before it was ready"));
            }
        });
        ch.pipeline().addLast("noise", security);
    }

    private void established(Libp2pConnection connection, CompletableFuture<Libp2pConnection> ready) {
        ConnectionSlots.Decision d = slots.establishing(connection);
        if (!d.admitted()) {
            LOG.warn("refusing libp2p connection from {}: {}", connection, d.reason());
            connection.channel().close();
            ready.completeExceptionally(new IOException("connection from " + connection + " refused: " + d.reason()));
            return;
        }
        d.evict().ifPresent(old -> {
            LOG.info("closing libp2p connection {}: {}", old.remoteAddress(), d.reason());
            old.close();
        });
        connections.add(connection);
        connection.channel().closeFuture().addListener(f -> {
            connections.remove(connection);
            LOG.debug("libp2p connection {} closed", connection);
        });
        LOG.debug("libp2p connection {} established ({})", connection, connection.isInitiator() ? "outbound" : "inbound");
        connection.identifyRemote();
        for (Consumer<Libp2pConnection> l : connectionListeners) {
            try {
                l.accept(connection);
            } catch (RuntimeException e) {
                LOG.warn("connection listener failed for {}", connection, e);
            }
        }
        ready.complete(connection);
    }

    private void acceptStream(Libp2pConnection connection, YamuxStream stream) {
        StreamNegotiator negotiator = StreamNegotiator.listener(protocols.keySet(), protocolId -> {
            StreamProtocol p = protocols.get(protocolId);
            return p == null ? null : p.accept(connection, stream);
        });
        stream.handler(negotiator);
        negotiator.start(stream, connection.channel().eventLoop(), config.handshakeTimeoutMillis());
    }
}

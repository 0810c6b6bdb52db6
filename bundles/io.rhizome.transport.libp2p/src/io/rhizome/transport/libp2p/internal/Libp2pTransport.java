package io.rhizome.transport.libp2p.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.transport.PeerLink;
import io.rhizome.spi.transport.ProtocolChannels;
import io.rhizome.spi.transport.Rendezvous;
import io.rhizome.spi.transport.Transport;
import io.rhizome.spi.transport.TransportDiagnostics;
import io.rhizome.spi.transport.TransportListener;
import io.rhizome.transport.libp2p.internal.mdns.MdnsPeerDiscovery;
import io.rhizome.transport.libp2p.internal.mdns.MdnsPeerDiscovery.DiscoveredPeer;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.multiformats.MultiformatException;
import io.rhizome.transport.libp2p.internal.multiformats.PeerId;
import io.rhizome.transport.libp2p.internal.noise.IdentitySigner;
import io.rhizome.transport.libp2p.internal.relay.RelayAttachment;
import io.rhizome.transport.libp2p.internal.yamux.StreamHandler;
import io.rhizome.transport.libp2p.internal.yamux.YamuxStream;

/**
 * The libp2p {@link Transport}: each {@link PeerLink} is a Yamux stream speaking
 * {@value SyncLink#PROTOCOL} on an authenticated libp2p connection; connections to the same peer
 * are reused. Optionally announces itself and finds peers with mDNS; it never connects to a
 * discovered peer by itself: it tells the {@link TransportListener#discovered listener}, which
 * decides (the engine dials trusted devices only).
 *
 * <p>Also a {@link ProtocolChannels} (other protocols framed like sync, on their own streams), a
 * {@link Rendezvous} (mDNS under {@value MdnsPeerDiscovery#RENDEZVOUS_SERVICE}, started on demand
 * when peer discovery is off) and {@link TransportDiagnostics} (identify and ping). Discovery and
 * rendezvous are {@link MdnsRendezvous}'s job.
 */
public final class Libp2pTransport implements Transport, ProtocolChannels, Rendezvous, TransportDiagnostics {

    public static final String KIND = "libp2p";
    private static final Logger LOG = LoggerFactory.getLogger(Libp2pTransport.class);
    /** Protocols the host itself speaks; they cannot be served as channels. */
    private static final Set<String> RESERVED = Set.of(SyncLink.PROTOCOL, IdentifyProtocol.ID, PingProtocol.ID);

    private final IdentitySigner identity;
    private final Libp2pConfig config;
    private final RememberedPorts ports;
    private volatile RelayAttachment relays = new RelayAttachment(List.of());
    private final Set<SyncLink> links = ConcurrentHashMap.newKeySet();
    private final Map<String, StreamProtocol> extraProtocols = new ConcurrentHashMap<>();
    /** Streams this node opened (sync links and protocol channels), for status: shows how often it dials. */
    private final java.util.concurrent.atomic.AtomicLong streamsOpened = new java.util.concurrent.atomic.AtomicLong();
    private volatile PeerTrust trust = PeerTrust.EVERYONE;
    private volatile InboundLimits limits = InboundLimits.defaults();
    private volatile Libp2pHost host;
    private final MdnsRendezvous mdns;

    public Libp2pTransport(IdentitySigner identity, Libp2pConfig config) {
        this(identity, config, null);
    }

    /** @param mdnsInterval how often to query the LAN with mDNS; null disables mDNS peer discovery */
    public Libp2pTransport(IdentitySigner identity, Libp2pConfig config, Duration mdnsInterval) {
        this(identity, config, mdnsInterval, ListenPortStore.NONE);
    }

    /**
     * @param ports where port-0 listen addresses remember the port they got, so a restarted node is
     *        reachable at the same address
     */
    public Libp2pTransport(IdentitySigner identity, Libp2pConfig config, Duration mdnsInterval, ListenPortStore ports) {
        this.identity = identity;
        this.config = config;
        this.mdns = new MdnsRendezvous(mdnsInterval);
        this.ports = new RememberedPorts(ports);
    }

    /** The relays to keep a reservation on (p2p.relays); call before {@link #start}. */
    public void relays(List<Multiaddr> relays) {
        this.relays = new RelayAttachment(relays);
    }

    public RelayAttachment relayAttachment() {
        return relays;
    }

    /**
     * Which peers are trusted devices (the node: paired ones) and what remote parties may make this
     * node hold; used from the next {@link #start} on. Default: everyone trusted, {@link InboundLimits#defaults()}.
     */
    public void inbound(PeerTrust trust, InboundLimits limits) {
        this.trust = trust;
        this.limits = limits;
    }

    /**
     * Serves another stream protocol on this node (for example pairing), from the next
     * {@link #start} on, or at once if running. Protocol ids are listed in identify.
     */
    public void registerProtocol(String protocolId, StreamProtocol protocol) {
        extraProtocols.put(protocolId, protocol);
        Libp2pHost h = host;
        if (h != null) {
            h.register(protocolId, protocol);
        }
    }

    /** Stops serving a protocol registered with {@link #registerProtocol}; open streams stay. */
    public void unregisterProtocol(String protocolId) {
        extraProtocols.remove(protocolId);
        Libp2pHost h = host;
        if (h != null) {
            h.unregister(protocolId);
        }
    }

    /** Opens a stream speaking {@code protocolId} to the node at {@code address} (reusing a connection). */
    public CompletableFuture<YamuxStream> openStream(String address, String protocolId, StreamHandler handler) {
        return connection(address).thenCompose(c -> c.newStream(protocolId, handler));
    }

    /** Called (from the mDNS thread) for each peer mDNS finds, repeatedly while it stays visible. */
    public void onDiscovered(Consumer<DiscoveredPeer> listener) {
        mdns.onDiscovered(listener);
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public synchronized void start(TransportListener listener) throws IOException {
        if (host != null) {
            throw new IllegalStateException("libp2p transport already started");
        }
        Libp2pHost h = startHost(listener);
        host = h;
        mdns.start(h, listener);
    }

    /**
     * Starts a host on the configured addresses, port-0 ones replaced by the port they got before
     * (this instance's earlier start, else the port store); if a remembered port is taken now, falls
     * back to a fresh one rather than not starting.
     */
    private Libp2pHost startHost(TransportListener listener) throws IOException {
        List<Multiaddr> configured = config.listenAddresses();
        RememberedPorts.Plan plan = ports.plan(configured);
        Libp2pHost h;
        try {
            h = newHost(config.withListenAddresses(plan.addresses()), listener);
        } catch (IOException e) {
            if (!plan.remembered()) {
                throw e;
            }
            LOG.warn("libp2p: the remembered listen port is not available ({}); listening on a new port, so peers "
                    + "must learn the new address", e.getMessage());
            h = newHost(config, listener);
        }
        ports.bound(configured, h.boundAddresses());
        return h;
    }

    private Libp2pHost newHost(Libp2pConfig c, TransportListener listener) throws IOException {
        Libp2pHost h = new Libp2pHost(identity, c, trust, limits);
        h.register(SyncLink.PROTOCOL, channelProtocol(SyncLink.PROTOCOL, listener));
        extraProtocols.forEach(h::register);
        relays.attach(h);
        h.start();
        return h;
    }

    /** Inbound streams of {@code protocol} become links handed to {@code handler}. */
    private StreamProtocol channelProtocol(String protocol, TransportListener handler) {
        return (connection, stream) -> {
            SyncLink link = new SyncLink(connection, protocol);
            link.attach(stream);
            track(link);
            try {
                handler.inbound(link);
            } catch (RuntimeException e) {
                LOG.warn("listener failed on an inbound {} link from {}; closing it", protocol, connection, e);
                link.close();
            }
            return link;
        };
    }

    /** The running host (for identify, ping and connect commands), or null when stopped. */
    public Libp2pHost host() {
        return host;
    }

    @Override
    public synchronized void stop() {
        Libp2pHost h = host;
        if (h == null) {
            return;
        }
        mdns.stop();
        links.forEach(SyncLink::close);
        relays.detach();
        h.stop();
        host = null;
    }

    @Override
    public CompletionStage<PeerLink> connect(String address) {
        return open(address, SyncLink.PROTOCOL);
    }

    // ------------------------------------------------------------------ ProtocolChannels

    @Override
    public void serve(String protocol, TransportListener handler) {
        checkChannelProtocol(protocol);
        registerProtocol(protocol, channelProtocol(protocol, handler));
    }

    @Override
    public void unserve(String protocol) {
        if (protocol != null && !RESERVED.contains(protocol)) {
            unregisterProtocol(protocol);
        }
    }

    @Override
    public CompletionStage<PeerLink> open(String address, String protocol) {
        if (!SyncLink.PROTOCOL.equals(protocol)) {
            try {
                checkChannelProtocol(protocol);
            } catch (IllegalArgumentException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        streamsOpened.incrementAndGet();
        return connection(address).thenCompose(c -> {
            SyncLink link = new SyncLink(c, protocol);
            return c.newStream(protocol, link).thenApply(stream -> {
                link.attach(stream);
                track(link);
                return (PeerLink) link;
            });
        });
    }

    private static void checkChannelProtocol(String protocol) {
        if (protocol == null || !protocol.startsWith("/") || protocol.length() > 200 || protocol.contains("\n")) {
            throw new IllegalArgumentException("not a libp2p protocol id (a path such as /rhizome/pair/1.0.0): " + protocol);
        }
        if (RESERVED.contains(protocol)) {
            throw new IllegalArgumentException(protocol + " is spoken by the libp2p transport itself");
        }
    }

    // ------------------------------------------------------------------ Rendezvous

    @Override
    public AutoCloseable advertise(String key) throws IOException {
        return mdns.advertise(key);
    }

    @Override
    public CompletionStage<List<String>> find(String key, Duration timeout) {
        return mdns.find(key, timeout);
    }

    // ------------------------------------------------------------------ TransportDiagnostics

    @Override
    public Map<String, Object> localInfo() {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("peerId", PeerId.fromEd25519(identity.publicKey()).toBase58());
        info.put("listenAddresses", listenAddresses());
        info.put("agentVersion", config.agentVersion());
        info.put("mdns", mdns.running());
        info.put("streamsOpened", streamsOpened.get());
        info.putAll(relays.status(host));
        return info;
    }

    /**
     * One /ipfs/ping/1.0.0 round trip to any libp2p node ({@code rhizome p2p ping MULTIADDR}); reuses
     * a connection to the peer if there is one.
     */
    @Override
    public CompletableFuture<Duration> ping(String address) {
        return connection(address).thenCompose(Libp2pConnection::ping);
    }

    @Override
    public CompletionStage<Map<String, Object>> probe(String address) {
        return connection(address).thenCompose(c -> c.identified().thenApply(info -> describe(c, info)));
    }

    private static Map<String, Object> describe(Libp2pConnection c, IdentifyInfo info) {
        Map<String, Object> out = new LinkedHashMap<>();
        String peer;
        try {
            peer = PeerId.fromEd25519(PeerId.decodeEd25519PublicKey(info.publicKey())).toBase58();
        } catch (MultiformatException e) {
            // a non-Ed25519 node: the PeerId Noise authenticated is the truth anyway
            peer = c.remotePeer().toBase58();
        }
        out.put("peerId", peer);
        out.put("agentVersion", info.agentVersion());
        out.put("protocolVersion", info.protocolVersion());
        out.put("protocols", List.copyOf(info.protocols()));
        out.put("listenAddresses", info.listenAddrs().stream().map(Multiaddr::toString).toList());
        out.put("observedAddress", info.observedAddr().map(Multiaddr::toString).orElse(""));
        return out;
    }

    /** Connects to any libp2p node and returns what it says about itself ({@code rhizome p2p connect}). */
    public CompletableFuture<IdentifyInfo> identify(String address) {
        return connection(address).thenCompose(Libp2pConnection::identified);
    }

    private CompletableFuture<Libp2pConnection> connection(String address) {
        Libp2pHost h = host;
        if (h == null) {
            return CompletableFuture.failedFuture(new IOException("libp2p transport is not started"));
        }
        Multiaddr target;
        try {
            target = TcpAddresses.parseAddress(address);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
        return target.peerId().flatMap(h::connectionTo).map(CompletableFuture::completedFuture)
                .orElseGet(() -> h.dial(target));
    }

    @Override
    public List<String> listenAddresses() {
        Libp2pHost h = host;
        if (h == null) {
            return List.of();
        }
        // direct addresses first: a peer tries them in order, the relay only when they fail
        return java.util.stream.Stream.concat(h.listenAddresses().stream(), relays.circuitAddresses().stream())
                .map(Multiaddr::toString).toList();
    }

    private void track(SyncLink link) {
        links.add(link);
        link.connection().closeFuture().thenRun(() -> links.remove(link));
    }
}

package io.rhizome.transport.libp2p.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.transport.PeerLink;
import io.rhizome.spi.transport.Transport;
import io.rhizome.spi.transport.TransportListener;
import io.rhizome.transport.libp2p.internal.mdns.MdnsPeerDiscovery;
import io.rhizome.transport.libp2p.internal.mdns.MdnsPeerDiscovery.DiscoveredPeer;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.noise.IdentitySigner;
import io.rhizome.transport.libp2p.internal.yamux.StreamHandler;
import io.rhizome.transport.libp2p.internal.yamux.YamuxStream;

/**
 * The libp2p {@link Transport}: each {@link PeerLink} is a Yamux stream speaking
 * {@value SyncLink#PROTOCOL} on an authenticated libp2p connection; connections to the same peer
 * are reused. Optionally announces itself and finds peers with mDNS; it never connects to a
 * discovered peer by itself: listeners decide (the engine dials paired devices only).
 */
public final class Libp2pTransport implements Transport {

    public static final String KIND = "libp2p";
    private static final Logger LOG = LoggerFactory.getLogger(Libp2pTransport.class);

    private final IdentitySigner identity;
    private final Libp2pConfig config;
    private final Duration mdnsInterval;
    private final Set<SyncLink> links = ConcurrentHashMap.newKeySet();
    private final List<Consumer<DiscoveredPeer>> discoveryListeners = new CopyOnWriteArrayList<>();
    private final java.util.Map<String, StreamProtocol> extraProtocols = new ConcurrentHashMap<>();
    private volatile Libp2pHost host;
    private volatile MdnsPeerDiscovery discovery;

    public Libp2pTransport(IdentitySigner identity, Libp2pConfig config) {
        this(identity, config, null);
    }

    /** @param mdnsInterval how often to query the LAN with mDNS; null disables mDNS */
    public Libp2pTransport(IdentitySigner identity, Libp2pConfig config, Duration mdnsInterval) {
        this.identity = identity;
        this.config = config;
        this.mdnsInterval = mdnsInterval;
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

    /** Opens a stream speaking {@code protocolId} to the node at {@code address} (reusing a connection). */
    public CompletableFuture<YamuxStream> openStream(String address, String protocolId, StreamHandler handler) {
        return connection(address).thenCompose(c -> c.newStream(protocolId, handler));
    }

    /** Called (from the mDNS thread) for each peer mDNS finds, repeatedly while it stays visible. */
    public void onDiscovered(Consumer<DiscoveredPeer> listener) {
        discoveryListeners.add(listener);
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
        Libp2pHost h = new Libp2pHost(identity, config);
        h.register(SyncLink.PROTOCOL, (connection, stream) -> {
            SyncLink link = new SyncLink(connection);
            link.attach(stream);
            track(link);
            try {
                listener.inbound(link);
            } catch (RuntimeException e) {
                LOG.warn("transport listener failed on an inbound link from {}; closing it", connection, e);
                link.close();
            }
            return link;
        });
        extraProtocols.forEach(h::register);
        h.start();
        host = h;
        if (mdnsInterval != null) {
            // loopback addresses are announced too: peers in one network namespace find each other
            MdnsPeerDiscovery d = new MdnsPeerDiscovery(h.peerId(), h::listenAddresses,
                    peer -> discoveryListeners.forEach(l -> l.accept(peer)), mdnsInterval);
            try {
                d.start();
                discovery = d;
            } catch (IOException e) {
                // a node without multicast still works by explicit address
                LOG.warn("libp2p mDNS discovery unavailable: {}", e.getMessage());
            }
        }
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
        MdnsPeerDiscovery d = discovery;
        if (d != null) {
            d.close();
            discovery = null;
        }
        links.forEach(SyncLink::close);
        h.stop();
        host = null;
    }

    @Override
    public CompletionStage<PeerLink> connect(String address) {
        return connection(address).thenCompose(c -> {
            SyncLink link = new SyncLink(c);
            return c.newStream(SyncLink.PROTOCOL, link).thenApply(stream -> {
                link.attach(stream);
                track(link);
                return (PeerLink) link;
            });
        });
    }

    /**
     * One /ipfs/ping/1.0.0 round trip to any libp2p node ({@code rhizome p2p ping MULTIADDR}); reuses
     * a connection to the peer if there is one.
     */
    public CompletableFuture<Duration> ping(String address) {
        return connection(address).thenCompose(Libp2pConnection::ping);
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
            target = Libp2pHost.parseAddress(address);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
        return target.peerId().flatMap(h::connectionTo).map(CompletableFuture::completedFuture)
                .orElseGet(() -> h.dial(target));
    }

    @Override
    public List<String> listenAddresses() {
        Libp2pHost h = host;
        return h == null ? List.of() : h.listenAddresses().stream().map(Multiaddr::toString).toList();
    }

    private void track(SyncLink link) {
        links.add(link);
        link.connection().closeFuture().thenRun(() -> links.remove(link));
    }
}

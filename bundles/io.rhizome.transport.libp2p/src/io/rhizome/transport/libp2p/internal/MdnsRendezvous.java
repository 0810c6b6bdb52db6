package io.rhizome.transport.libp2p.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.transport.Rendezvous;
import io.rhizome.spi.transport.TransportListener;
import io.rhizome.transport.libp2p.internal.mdns.MdnsPeerDiscovery;
import io.rhizome.transport.libp2p.internal.mdns.MdnsPeerDiscovery.DiscoveredPeer;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;

/**
 * The mDNS side of a {@link Libp2pTransport}: peer discovery (announce this host, report the peers
 * found to the transport's listener as device id + address, never dial them) and the
 * {@link Rendezvous} keys advertised and looked for under {@value MdnsPeerDiscovery#RENDEZVOUS_SERVICE}.
 *
 * <p>One responder serves both. It runs from the transport's start when peer discovery is on (an
 * interval is given) or a key is advertised, and is started on demand by {@link #advertise} and
 * {@link #find} otherwise. Advertised keys outlive a stop: the next start announces them again.
 *
 * <p>Thread-safe: {@link #start}, {@link #stop} and the on-demand start hold this object's lock;
 * peers are reported from the mDNS thread.
 */
final class MdnsRendezvous {

    private static final Logger LOG = LoggerFactory.getLogger(MdnsRendezvous.class);

    private final Duration interval;
    private final List<Consumer<DiscoveredPeer>> discoveryListeners = new CopyOnWriteArrayList<>();
    private final Set<String> advertised = ConcurrentHashMap.newKeySet();
    private volatile Libp2pHost host;
    private volatile TransportListener listener;
    private volatile MdnsPeerDiscovery discovery;

    /** @param interval how often to query the LAN; null: no peer discovery, mDNS for rendezvous only */
    MdnsRendezvous(Duration interval) {
        this.interval = interval;
    }

    /** Called (from the mDNS thread) for each peer mDNS finds, repeatedly while it stays visible. */
    void onDiscovered(Consumer<DiscoveredPeer> l) {
        discoveryListeners.add(l);
    }

    /**
     * The transport started {@code h}: runs mDNS now if peer discovery is on or keys are advertised.
     * A node without multicast still works by explicit address, so a failure is logged, not thrown.
     */
    synchronized void start(Libp2pHost h, TransportListener l) {
        host = h;
        listener = l;
        if (interval != null || !advertised.isEmpty()) {
            try {
                startMdns(h);
            } catch (IOException e) {
                LOG.warn("libp2p mDNS unavailable: {}", e.getMessage());
            }
        }
    }

    /** Stops the responder, if running; advertised keys are kept for the next {@link #start}. */
    synchronized void stop() {
        MdnsPeerDiscovery d = discovery;
        if (d != null) {
            d.close();
            discovery = null;
        }
        host = null;
        listener = null;
    }

    /** Whether the mDNS responder runs now. */
    boolean running() {
        return discovery != null;
    }

    /** As {@link Rendezvous#advertise}: fails with an IOException when the transport is not started. */
    AutoCloseable advertise(String key) throws IOException {
        String k = MdnsPeerDiscovery.checkKey(key);
        mdnsForRendezvous();
        advertised.add(k);
        return () -> advertised.remove(k);
    }

    /** As {@link Rendezvous#find}: the addresses found as multiaddr strings. */
    CompletionStage<List<String>> find(String key, Duration timeout) {
        MdnsPeerDiscovery d;
        try {
            MdnsPeerDiscovery.checkKey(key);
            d = mdnsForRendezvous();
        } catch (IOException | IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        return d.find(key, timeout).thenApply(found -> found.stream().map(Multiaddr::toString).toList());
    }

    /** The running mDNS responder, started now for rendezvous only if peer discovery is off. */
    private synchronized MdnsPeerDiscovery mdnsForRendezvous() throws IOException {
        Libp2pHost h = host;
        if (h == null) {
            throw new IOException("libp2p transport is not started");
        }
        if (discovery == null) {
            startMdns(h);
        }
        return discovery;
    }

    private void startMdns(Libp2pHost h) throws IOException {
        // loopback addresses are announced too: peers in one network namespace find each other
        MdnsPeerDiscovery d = new MdnsPeerDiscovery(h.peerId(), h::listenAddresses, this::discovered, interval,
                () -> Set.copyOf(advertised));
        d.start();
        discovery = d;
    }

    private void discovered(DiscoveredPeer peer) {
        discoveryListeners.forEach(l -> l.accept(peer));
        TransportListener l = listener;
        Optional<byte[]> key = peer.peer().ed25519PublicKey();
        if (l == null || key.isEmpty()) {
            return;
        }
        String deviceId = Base64.getUrlEncoder().withoutPadding().encodeToString(key.get());
        // best first: the address the announcement came from
        for (Multiaddr a : peer.addresses()) {
            try {
                l.discovered(deviceId, a.toString());
            } catch (RuntimeException e) {
                LOG.warn("transport listener failed on discovered device {}", deviceId, e);
            }
        }
    }
}

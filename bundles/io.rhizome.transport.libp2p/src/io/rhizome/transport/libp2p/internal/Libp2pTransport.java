package io.rhizome.transport.libp2p.internal;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

import io.rhizome.spi.transport.PeerLink;
import io.rhizome.spi.transport.Transport;
import io.rhizome.spi.transport.TransportListener;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.noise.IdentitySigner;

/**
 * The libp2p {@link Transport}: each {@link PeerLink} is a Yamux stream speaking
 * {@value SyncLink#PROTOCOL} on an authenticated libp2p connection; connections to the same peer
 * are reused.
 */
public final class Libp2pTransport implements Transport {

    public static final String KIND = "libp2p";

    private final IdentitySigner identity;
    private final Libp2pConfig config;
    private final Set<SyncLink> links = ConcurrentHashMap.newKeySet();
    private volatile Libp2pHost host;

    public Libp2pTransport(IdentitySigner identity, Libp2pConfig config) {
        this.identity = identity;
        this.config = config;
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
            listener.inbound(link);
            return link;
        });
        h.start();
        host = h;
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
        links.forEach(SyncLink::close);
        h.stop();
        host = null;
    }

    @Override
    public CompletionStage<PeerLink> connect(String address) {
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
        CompletableFuture<Libp2pConnection> connection = target.peerId().flatMap(h::connectionTo)
                .map(CompletableFuture::completedFuture).orElseGet(() -> h.dial(target));
        return connection.thenCompose(c -> {
            SyncLink link = new SyncLink(c);
            return c.newStream(SyncLink.PROTOCOL, link).thenApply(stream -> {
                link.attach(stream);
                track(link);
                return (PeerLink) link;
            });
        });
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

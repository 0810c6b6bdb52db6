package com.example.rhizome.transport.udp.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

import io.rhizome.spi.transport.PeerLink;
import io.rhizome.spi.transport.ProtocolChannels;
import io.rhizome.spi.transport.Transport;
import io.rhizome.spi.transport.TransportListener;

/**
 * A Rhizome transport over UDP datagrams, as a third party would write one against the SPI: links
 * are authenticated by the devices' Ed25519 identity keys ({@link Handshake}), sealed with
 * ChaCha20-Poly1305 and made reliable and ordered by {@link UdpLink}. It also carries other
 * protocols ({@link ProtocolChannels}: pairing, mesh updates), which is what makes pairing
 * announce its addresses to the other devices, so they dial it.
 *
 * <p>A stopped transport can be started again; it then binds the port it had before if it was
 * configured with port 0, so the address its peers know stays valid.
 */
public final class UdpTransport implements Transport, ProtocolChannels {

    public static final String KIND = "udp";
    public static final String SYNC_PROTOCOL = "/rhizome/sync/1.0.0";

    private final Identity identity;
    private final InetSocketAddress bind;
    private final Map<String, TransportListener> served = new ConcurrentHashMap<>();
    private Endpoint endpoint;
    private int lastPort;

    public UdpTransport(Identity identity, InetSocketAddress bind) {
        if (bind.getAddress().isAnyLocalAddress()) {
            throw new IllegalArgumentException("the udp transport listens on one IP address, not on the wildcard "
                    + UdpAddress.format(bind) + ": its peers dial the address it announces");
        }
        this.identity = identity;
        this.bind = bind;
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public synchronized void start(TransportListener listener) throws IOException {
        if (endpoint != null) {
            throw new IOException("the udp transport already runs on " + UdpAddress.format(endpoint.local()));
        }
        if (bind.getPort() == 0 && lastPort != 0) {
            try {
                endpoint = Endpoint.open(new InetSocketAddress(bind.getAddress(), lastPort), identity, listener, served::get);
                return;
            } catch (IOException taken) {
                // someone else has it now: a new port, which pairing announces again
            }
        }
        endpoint = Endpoint.open(bind, identity, listener, served::get);
        lastPort = endpoint.local().getPort();
    }

    @Override
    public void stop() {
        Endpoint e;
        synchronized (this) {
            e = endpoint;
            endpoint = null;
        }
        if (e != null) {
            e.close();
        }
    }

    @Override
    public CompletionStage<PeerLink> connect(String address) {
        return open(address, SYNC_PROTOCOL);
    }

    @Override
    public CompletionStage<PeerLink> open(String address, String protocol) {
        InetSocketAddress to;
        try {
            to = UdpAddress.parse(address);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(new IOException(e.getMessage(), e));
        }
        Endpoint e;
        synchronized (this) {
            e = endpoint;
        }
        if (e == null) {
            return CompletableFuture.failedFuture(new IOException("the udp transport is not running"));
        }
        return e.dial(to, protocol);
    }

    @Override
    public synchronized List<String> listenAddresses() {
        return endpoint == null ? List.of() : List.of(UdpAddress.format(endpoint.local()));
    }

    @Override
    public void serve(String protocol, TransportListener handler) {
        served.put(protocol, handler);
    }

    @Override
    public void unserve(String protocol) {
        served.remove(protocol);
    }
}

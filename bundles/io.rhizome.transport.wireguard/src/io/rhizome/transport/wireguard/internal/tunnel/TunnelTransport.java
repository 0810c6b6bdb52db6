package io.rhizome.transport.wireguard.internal.tunnel;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.transport.PeerLink;
import io.rhizome.spi.transport.ProtocolChannels;
import io.rhizome.spi.transport.Transport;
import io.rhizome.spi.transport.TransportListener;
import io.rhizome.transport.wireguard.internal.uapi.UapiText;

/**
 * {@code /rhizome/sync/1.0.0} over TCP inside the WireGuard tunnel ({@value #KIND}), and any other
 * protocol served through {@link ProtocolChannels} (pairing's mesh updates, so revocations and new
 * members travel inside the tunnel too). Listens on this device's tunnel address only, never on a
 * wildcard, so nothing outside the tunnel reaches the listener; dials from that address, so the
 * remote can tell who dialled.
 *
 * <p>Each connection starts with one frame naming its protocol, answered by a one-byte frame
 * (1: served, 0: not served, then the connection closes), so a channel to a device that does not
 * serve a protocol fails at once with a sentence instead of hanging.
 *
 * <p>Authentication is the tunnel's: a connection's remote address is looked up in the
 * {@link MeshDirectory} (tunnel address &harr; WireGuard key &harr; device id); a connection from an
 * address no member owns is closed unread. There is no handshake of its own on top.
 *
 * <p>Addresses are {@code [tunnel-address]:port} (an IPv6 literal in brackets).
 */
public final class TunnelTransport implements Transport, ProtocolChannels {

    public static final String KIND = "wireguard";
    public static final String SYNC_PROTOCOL = "/rhizome/sync/1.0.0";
    public static final int MAX_MESSAGE = 16 * 1024 * 1024;
    private static final int MAX_PROTOCOL = 256;
    private static final int HANDSHAKE_MILLIS = 10_000;

    private static final Logger LOG = LoggerFactory.getLogger(TunnelTransport.class);

    private final Inet6Address localAddress;
    private final int port;
    private final MeshDirectory directory;
    private final int connectTimeoutMillis;
    private final Set<TunnelLink> links = ConcurrentHashMap.newKeySet();
    private final Map<String, TransportListener> protocols;
    private volatile ServerSocket server;
    private volatile ExecutorService dialer;

    /**
     * @param localAddress this device's tunnel address (on the WireGuard interface)
     * @param port TCP port to listen on inside the tunnel; 0 picks one
     */
    public TunnelTransport(Inet6Address localAddress, int port, MeshDirectory directory, int connectTimeoutMillis) {
        this(localAddress, port, directory, connectTimeoutMillis, new ConcurrentHashMap<>());
    }

    /** @param protocols the protocols served besides sync, by id (shared: a change takes effect at once) */
    public TunnelTransport(Inet6Address localAddress, int port, MeshDirectory directory, int connectTimeoutMillis,
            Map<String, TransportListener> protocols) {
        this.protocols = protocols;
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("the tunnel TCP port is 0..65535, not " + port);
        }
        this.localAddress = localAddress;
        this.port = port;
        this.directory = directory;
        this.connectTimeoutMillis = connectTimeoutMillis;
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public synchronized void start(TransportListener listener) throws IOException {
        if (server != null) {
            return;
        }
        ServerSocket s = new ServerSocket();
        try {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(localAddress, port), 64);
        } catch (IOException e) {
            s.close();
            throw new IOException("cannot listen on the tunnel address " + format(new InetSocketAddress(localAddress, port)) + ": "
                    + e.getMessage() + " (is the WireGuard interface up with that address?)", e);
        }
        server = s;
        dialer = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "wg-dial");
            t.setDaemon(true);
            return t;
        });
        Thread acceptor = new Thread(() -> acceptLoop(s, listener), "wg-accept-" + s.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
        LOG.info("WireGuard transport listening on {}", format((InetSocketAddress) s.getLocalSocketAddress()));
    }

    private void acceptLoop(ServerSocket s, TransportListener listener) {
        while (!s.isClosed()) {
            Socket c;
            try {
                c = s.accept();
            } catch (IOException e) {
                if (!s.isClosed()) {
                    LOG.warn("WireGuard transport: accept failed: {}", e.getMessage());
                }
                continue;
            }
            Optional<String> device = directory.deviceAt(c.getInetAddress());
            if (device.isEmpty()) {
                LOG.warn("WireGuard transport: refused a connection from {}: no device of the mesh has that tunnel address",
                        UapiText.format(c.getInetAddress()));
                closeQuietly(c);
                continue;
            }
            ExecutorService d = dialer;
            try {
                // the protocol frame is read off the accept thread: a slow peer must not hold up the others
                d.execute(() -> accepted(c, device.get(), listener));
            } catch (RuntimeException e) {
                closeQuietly(c);
            }
        }
    }

    private void accepted(Socket c, String device, TransportListener sync) {
        String protocol;
        TransportListener handler;
        try {
            c.setSoTimeout(HANDSHAKE_MILLIS);
            byte[] p = Frames.read(new DataInputStream(c.getInputStream()), MAX_PROTOCOL);
            if (p == null) {
                closeQuietly(c);
                return;
            }
            protocol = new String(p, StandardCharsets.UTF_8);
            handler = protocol.equals(SYNC_PROTOCOL) ? sync : protocols.get(protocol);
            OutputStream out = c.getOutputStream();
            out.write(Frames.header(1));
            out.write(handler == null ? 0 : 1);
            out.flush();
            c.setSoTimeout(0);
        } catch (IOException e) {
            LOG.debug("WireGuard transport: the connection from {} did not name its protocol: {}", device, e.getMessage());
            closeQuietly(c);
            return;
        }
        if (handler == null) {
            LOG.info("WireGuard transport: device {} asked for protocol {}, which is not served here", device, protocol);
            closeQuietly(c);
            return;
        }
        TunnelLink link = link(c, device);
        if (link == null) {
            return;
        }
        try {
            handler.inbound(link);
        } catch (RuntimeException e) {
            LOG.warn("WireGuard transport: the {} handler threw for the link from {}", protocol, device, e);
        }
    }

    @Override
    public void serve(String protocol, TransportListener handler) {
        protocols.put(protocol, handler);
    }

    @Override
    public void unserve(String protocol) {
        protocols.remove(protocol);
    }

    @Override
    public CompletionStage<PeerLink> connect(String address) {
        return open(address, SYNC_PROTOCOL);
    }

    private TunnelLink link(Socket c, String device) {
        try {
            c.setTcpNoDelay(true);
        } catch (SocketException e) {
            LOG.debug("TCP_NODELAY not set: {}", e.getMessage());
        }
        TunnelLink link = new TunnelLink(c, device, KIND, MAX_MESSAGE, links::remove);
        links.add(link);
        if (server == null) {
            // stopped meanwhile
            links.remove(link);
            closeQuietly(c);
            return null;
        }
        link.start();
        return link;
    }

    @Override
    public void stop() {
        ServerSocket s;
        ExecutorService d;
        synchronized (this) {
            s = server;
            d = dialer;
            server = null;
            dialer = null;
        }
        if (s == null) {
            return;
        }
        closeQuietly(s);
        d.shutdownNow();
        for (TunnelLink l : List.copyOf(links)) {
            l.close();
        }
        LOG.info("WireGuard transport stopped");
    }

    @Override
    public CompletionStage<PeerLink> open(String address, String protocol) {
        byte[] protocolId = protocol.getBytes(StandardCharsets.UTF_8);
        if (protocolId.length == 0 || protocolId.length > MAX_PROTOCOL) {
            return CompletableFuture.failedFuture(new IOException("a protocol id is 1 to " + MAX_PROTOCOL + " bytes, not '" + protocol + "'"));
        }
        InetSocketAddress target;
        try {
            target = parse(address);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(new IOException("not a WireGuard transport address: " + e.getMessage(), e));
        }
        Optional<String> device = directory.deviceAt(target.getAddress());
        if (device.isEmpty()) {
            return CompletableFuture.failedFuture(new IOException("no device of the mesh has the tunnel address of " + address));
        }
        ExecutorService d = dialer;
        if (d == null) {
            return CompletableFuture.failedFuture(new IOException("the WireGuard transport is stopped; cannot connect to " + address));
        }
        CompletableFuture<PeerLink> result = new CompletableFuture<>();
        try {
            d.execute(() -> {
                Socket c = new Socket();
                try {
                    // from this device's tunnel address, so the remote can tell who dialled
                    c.bind(new InetSocketAddress(localAddress, 0));
                    c.connect(target, connectTimeoutMillis);
                    c.setSoTimeout(HANDSHAKE_MILLIS);
                    OutputStream out = c.getOutputStream();
                    out.write(Frames.header(protocolId.length));
                    out.write(protocolId);
                    out.flush();
                    byte[] answer = Frames.read(new DataInputStream(c.getInputStream()), 1);
                    if (answer == null || answer.length != 1 || answer[0] != 1) {
                        throw new IOException("device " + device.get() + " does not serve " + protocol + " on its tunnel listener");
                    }
                    c.setSoTimeout(0);
                    TunnelLink link = link(c, device.get());
                    if (link == null) {
                        throw new IOException("the WireGuard transport stopped while connecting to " + address);
                    }
                    result.complete(link);
                } catch (IOException e) {
                    closeQuietly(c);
                    result.completeExceptionally(new IOException("cannot connect to " + address + " through the tunnel: " + e.getMessage(), e));
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            result.completeExceptionally(new IOException("the WireGuard transport is stopped; cannot connect to " + address));
        }
        return result;
    }

    @Override
    public List<String> listenAddresses() {
        ServerSocket s = server;
        return s == null ? List.of() : List.of(format(new InetSocketAddress(localAddress, s.getLocalPort())));
    }

    /** {@code [fd..]:port}. */
    public static String format(InetSocketAddress a) {
        return UapiText.formatEndpoint(a);
    }

    public static InetSocketAddress parse(String address) {
        InetSocketAddress a = UapiText.parseEndpoint(address);
        if (!(a.getAddress() instanceof Inet6Address)) {
            throw new IllegalArgumentException("a tunnel address is [IPv6]:port, not " + address);
        }
        return a;
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            LOG.debug("close: {}", e.getMessage());
        }
    }

    /** For tests and status: the tunnel address this transport uses. */
    public InetAddress localAddress() {
        return localAddress;
    }
}

package com.example.rhizome.transport.udp.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.transport.PeerLink;
import io.rhizome.spi.transport.TransportListener;

/**
 * One bound UDP socket while the transport runs: the receive thread that dispatches datagrams to
 * handshakes and links, the timer that resends and expires, and the executor that calls receivers.
 * Handshakes in progress and links are bounded in number, so strangers cannot make it hold more.
 */
final class Endpoint {

    private static final Logger LOG = LoggerFactory.getLogger(Endpoint.class);

    static final long HANDSHAKE_NANOS = 5_000_000_000L;
    static final long RESEND_NANOS = 250_000_000L;
    static final int MAX_HANDSHAKES = 256;
    static final int MAX_LINKS = 1024;

    private record Key(SocketAddress remote, long conn) {
    }

    private static final class Dial {
        final Handshake handshake;
        final CompletableFuture<PeerLink> result = new CompletableFuture<>();
        int rejected;

        Dial(Handshake handshake) {
            this.handshake = handshake;
        }
    }

    /** The listener's handshake, kept a while after the link opened to answer a FINISH sent again. */
    private static final class Accepting {
        final Handshake handshake;
        byte[] accepted;

        Accepting(Handshake handshake) {
            this.handshake = handshake;
        }
    }

    private final DatagramChannel channel;
    private final InetSocketAddress local;
    private final Identity identity;
    private final TransportListener sync;
    private final Function<String, TransportListener> served;
    private final SecureRandom random = new SecureRandom();
    private final Map<Key, UdpLink> links = new ConcurrentHashMap<>();
    private final Map<Key, Accepting> accepting = new ConcurrentHashMap<>();
    private final Map<Long, Dial> dialling = new ConcurrentHashMap<>();
    private final ExecutorService deliveryThreads = Executors.newCachedThreadPool(r -> daemon(r, "udp-deliver"));
    private final Executor deliveries = this::deliver;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "udp-timer"));
    private final Thread receiver;
    private final UdpLink.Wire wire = this::transmit;
    private volatile boolean closed;

    private Endpoint(DatagramChannel channel, Identity identity, TransportListener sync, Function<String, TransportListener> served)
            throws IOException {
        this.channel = channel;
        this.local = (InetSocketAddress) channel.getLocalAddress();
        this.identity = identity;
        this.sync = sync;
        this.served = served;
        this.receiver = daemon(this::receiveLoop, "udp-receive " + UdpAddress.format(local));
        receiver.start();
        timer.scheduleWithFixedDelay(this::tick, 10, 10, TimeUnit.MILLISECONDS);
    }

    static Endpoint open(InetSocketAddress bind, Identity identity, TransportListener sync, Function<String, TransportListener> served)
            throws IOException {
        DatagramChannel ch = DatagramChannel.open();
        try {
            ch.bind(bind);
            return new Endpoint(ch, identity, sync, served);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw new IOException("the udp transport cannot listen on " + UdpAddress.format(bind) + ": " + e.getMessage(), e);
        }
    }

    InetSocketAddress local() {
        return local;
    }

    CompletionStage<PeerLink> dial(InetSocketAddress to, String protocol) {
        try {
            long conn;
            do {
                conn = random.nextLong();
            } while (conn == 0 || dialling.containsKey(conn));
            Handshake h = new Handshake(conn, to, protocol, System.nanoTime());
            h.resend = Packets.hello(conn, h.ownEphemeral, protocol);
            Dial d = new Dial(h);
            dialling.put(conn, d);
            h.lastSent = System.nanoTime();
            transmit(h.resend, to);
            if (closed) {
                d.result.completeExceptionally(new IOException("the udp transport stopped"));
            }
            return d.result;
        } catch (java.security.GeneralSecurityException e) {
            return CompletableFuture.failedFuture(new IOException("cannot make an X25519 key: " + e.getMessage(), e));
        }
    }

    void close() {
        closed = true;
        for (Dial d : dialling.values()) {
            d.result.completeExceptionally(new IOException("the udp transport stopped before " + d.handshake.remote + " answered"));
        }
        dialling.clear();
        for (UdpLink l : links.values()) {
            l.abort("the udp transport of " + Crypto.deviceId(identity.publicKey()) + " stopped");
        }
        links.clear();
        accepting.clear();
        timer.shutdownNow();
        try {
            channel.close();
            receiver.join(5_000);
        } catch (IOException e) {
            LOG.debug("closing the udp socket: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        deliveryThreads.shutdown(); // what was queued (the closed() calls of the links) still runs
    }

    private void receiveLoop() {
        ByteBuffer buffer = ByteBuffer.allocate(65_536);
        while (!closed) {
            try {
                buffer.clear();
                SocketAddress from = channel.receive(buffer);
                if (from instanceof InetSocketAddress sender && buffer.position() >= 9) {
                    byte[] p = new byte[buffer.position()];
                    buffer.flip().get(p);
                    dispatch(p, sender);
                }
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException | RuntimeException e) {
                if (!closed) {
                    LOG.warn("udp receive on {} failed: {}", UdpAddress.format(local), e.toString());
                }
            }
        }
    }

    private void dispatch(byte[] p, InetSocketAddress from) {
        long now = System.nanoTime();
        long conn = Packets.conn(p);
        Key key = new Key(from, conn);
        switch (Packets.type(p)) {
            case Packets.HELLO -> hello(p, from, key, now);
            case Packets.WELCOME -> welcome(p, from, conn);
            case Packets.REFUSE -> {
                Dial d = dialling.get(conn);
                if (d != null && d.handshake.remote.equals(from) && dialling.remove(conn, d)) {
                    d.result.completeExceptionally(new IOException("the node at " + UdpAddress.format(from) + " refused the udp link: "
                            + Packets.text(p, 9, p.length)));
                }
            }
            case Packets.FINISH -> finish(p, from, key, now);
            case Packets.ACCEPTED -> accepted(p, from, key, conn, now);
            case Packets.DATA, Packets.ACK, Packets.ABORT -> {
                UdpLink l = links.get(key);
                if (l != null && p.length >= Packets.SEALED_HEADER) {
                    l.packet(p, p.length, now);
                }
            }
            default -> LOG.debug("udp packet of unknown type {} from {} dropped", Packets.type(p), from);
        }
    }

    private void hello(byte[] p, InetSocketAddress from, Key key, long now) {
        if (p.length != Packets.HELLO_SIZE || p[9] != Packets.VERSION || links.containsKey(key)) {
            return;
        }
        Accepting known = accepting.get(key);
        if (known != null) {
            transmit(known.handshake.resend, from); // our WELCOME was lost
            return;
        }
        int protoLength = ByteBuffer.wrap(p, 42, 2).getShort() & 0xFFFF;
        if (44 + protoLength > p.length) {
            return;
        }
        String protocol = Packets.text(p, 44, 44 + protoLength);
        if (!UdpTransport.SYNC_PROTOCOL.equals(protocol) && served.apply(protocol) == null) {
            transmit(Packets.refuse(key.conn(), "this node does not serve " + protocol + " over udp"), from);
            return;
        }
        if (accepting.size() >= MAX_HANDSHAKES || links.size() >= MAX_LINKS) {
            LOG.debug("udp handshake from {} dropped: {} handshakes and {} links already", from, accepting.size(), links.size());
            return;
        }
        try {
            Handshake h = new Handshake(key.conn(), from, protocol, now);
            h.welcome(identity, java.util.Arrays.copyOfRange(p, 10, 42));
            accepting.put(key, new Accepting(h));
            transmit(h.resend, from);
        } catch (Exception e) {
            LOG.debug("udp handshake from {} refused: {}", from, e.toString());
        }
    }

    private void welcome(byte[] p, InetSocketAddress from, long conn) {
        Dial d = dialling.get(conn);
        if (d == null || !d.handshake.remote.equals(from)) {
            return;
        }
        synchronized (d) {
            try {
                if (d.handshake.transcript == null && !d.handshake.finish(identity, p, p.length)) {
                    d.rejected++;
                    return;
                }
            } catch (Exception e) {
                d.result.completeExceptionally(new IOException("cannot sign the udp handshake: " + e.getMessage(), e));
                dialling.remove(conn, d);
                return;
            }
            d.handshake.lastSent = System.nanoTime();
            transmit(d.handshake.resend, from); // FINISH, again if the WELCOME came twice
        }
    }

    private void finish(byte[] p, InetSocketAddress from, Key key, long now) {
        Accepting a = accepting.get(key);
        if (a == null) {
            return;
        }
        if (a.accepted != null) {
            transmit(a.accepted, from); // our ACCEPTED was lost
            return;
        }
        Handshake h = a.handshake;
        if (!h.verifyFinish(identity, p, p.length)) {
            return;
        }
        UdpLink link = new UdpLink(wire, deliveries, from, key.conn(), Crypto.deviceId(h.remoteIdentity), h.out, h.in, now);
        a.accepted = h.out.seal(Packets.sealedHeader(Packets.ACCEPTED, key.conn(), 0), Packets.SPACE_ACCEPT, 0, new byte[0], 0, 0);
        links.put(key, link);
        transmit(a.accepted, from);
        TransportListener to = UdpTransport.SYNC_PROTOCOL.equals(h.protocol) ? sync : served.apply(h.protocol);
        if (to == null) {
            link.close(); // unserved since the HELLO
        } else {
            deliveries.execute(() -> to.inbound(link));
        }
    }

    private void accepted(byte[] p, InetSocketAddress from, Key key, long conn, long now) {
        Dial d = dialling.get(conn);
        if (d == null || !d.handshake.remote.equals(from) || d.handshake.in == null) {
            return;
        }
        if (d.handshake.in.open(p, p.length, Packets.SEALED_HEADER, Packets.SPACE_ACCEPT, 0).isEmpty() || !dialling.remove(conn, d)) {
            return;
        }
        Handshake h = d.handshake;
        UdpLink link = new UdpLink(wire, deliveries, from, conn, Crypto.deviceId(h.remoteIdentity), h.out, h.in, now);
        links.put(key, link);
        if (!d.result.complete(link)) {
            link.close(); // the dial was given up meanwhile
        }
    }

    private void tick() {
        long now = System.nanoTime();
        try {
            dialling.forEach((conn, d) -> {
                Handshake h = d.handshake;
                if (now - h.startedAt > HANDSHAKE_NANOS) {
                    if (dialling.remove(conn, d)) {
                        d.result.completeExceptionally(new IOException("no answer over udp from " + UdpAddress.format(h.remote) + " within "
                                + HANDSHAKE_NANOS / 1_000_000_000L + " s: nobody listens there, or udp to it is filtered"
                                + (d.rejected > 0 ? " (" + d.rejected + " answers failed authentication)" : "")));
                    }
                } else if (now - h.lastSent > RESEND_NANOS) {
                    synchronized (d) {
                        h.lastSent = now;
                        transmit(h.resend, h.remote);
                    }
                }
            });
            accepting.entrySet().removeIf(e -> now - e.getValue().handshake.startedAt > (e.getValue().accepted == null ? HANDSHAKE_NANOS : 6 * HANDSHAKE_NANOS));
            links.entrySet().removeIf(e -> e.getValue().tick(now));
        } catch (RuntimeException e) {
            LOG.warn("udp timer: {}", e.toString(), e);
        }
    }

    private void transmit(byte[] packet, InetSocketAddress to) {
        try {
            channel.send(ByteBuffer.wrap(packet), to);
        } catch (IOException e) {
            if (!closed) {
                LOG.debug("udp send to {} failed (taken as a lost packet): {}", to, e.toString());
            }
        }
    }

    private void deliver(Runnable task) {
        try {
            deliveryThreads.execute(task);
        } catch (RejectedExecutionException e) {
            task.run(); // stopping: run the last notifications on the caller
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}

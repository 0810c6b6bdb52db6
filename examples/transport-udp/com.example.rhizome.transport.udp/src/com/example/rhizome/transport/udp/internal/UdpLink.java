package com.example.rhizome.transport.udp.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

import io.rhizome.spi.transport.MessageReceiver;
import io.rhizome.spi.transport.PeerLink;

/**
 * One authenticated link over UDP, made reliable and ordered here, since UDP is neither: every
 * message is cut into numbered data packets of at most {@link Packets#FRAGMENT} bytes (no IP
 * fragmentation), at most {@link #WINDOW} unacknowledged packets are in flight, the receiver
 * acknowledges cumulatively (the next sequence number it expects), buffers packets that arrive
 * early, drops duplicates, and the sender resends what was not acknowledged within the
 * retransmission timeout (doubling per resend, up to 2 s). A close travels as the last packet of
 * the sequence, so whatever was handed on before it is delivered first. A peer that sends nothing
 * for {@link #SILENCE_NANOS} (not even the keepalive every 2 s) is taken as gone: the link fails.
 *
 * <p>Flow control: messages that arrived but were not yet taken by the receiver hold at most
 * {@link #HELD_BYTES}; beyond that, new packets are dropped unacknowledged and come again later.
 *
 * <p>Thread-safe: the transport's receive thread, its timer and senders call in under this
 * object's lock; the receiver is called by {@link Delivery}, never under it.
 */
final class UdpLink implements PeerLink {

    static final int MAX_MESSAGE = 16 * 1024 * 1024;
    static final int WINDOW = 256;
    static final long RTO_NANOS = 150_000_000L;
    static final long RTO_MAX_NANOS = 2_000_000_000L;
    static final long KEEPALIVE_NANOS = 2_000_000_000L;
    static final long SILENCE_NANOS = 15_000_000_000L;
    static final long LINGER_NANOS = 10_000_000_000L;
    static final long HELD_BYTES = 8L * 1024 * 1024;
    static final long QUEUED_BYTES = 64L * 1024 * 1024;

    /** Sends a datagram; a failure is a lost packet, which retransmission covers. */
    interface Wire {
        void send(byte[] packet, InetSocketAddress to);
    }

    private record Outgoing(long seq, byte flags, byte[] chunk, CompletableFuture<Void> done) {
    }

    private static final class InFlight {
        final byte[] packet;
        long sentAt;
        long rto = RTO_NANOS;

        InFlight(byte[] packet, long sentAt) {
            this.packet = packet;
            this.sentAt = sentAt;
        }
    }

    private final Wire wire;
    private final Executor deliveries;
    private final InetSocketAddress remote;
    private final long conn;
    private final String remoteId;
    private final Sealer out;
    private final Sealer in;
    private final AtomicLong controlCounter = new AtomicLong();

    // sending
    private long nextSeq;
    private final ArrayDeque<Outgoing> queued = new ArrayDeque<>();
    private long queuedBytes;
    private final TreeMap<Long, InFlight> inFlight = new TreeMap<>();

    // receiving
    private long expected;
    private final TreeMap<Long, byte[]> early = new TreeMap<>();
    private final ByteArrayOutputStream assembling = new ByteArrayOutputStream();
    private final Delivery delivery;

    // lifecycle
    private boolean open = true;
    private boolean flushing; // closed here; the rest and the close marker are still being acknowledged
    private long closedAt;
    private long lastHeard;
    private long lastSent;

    UdpLink(Wire wire, Executor deliveries, InetSocketAddress remote, long conn, String remoteId, Sealer out, Sealer in, long now) {
        this.wire = wire;
        this.deliveries = deliveries;
        this.remote = remote;
        this.conn = conn;
        this.remoteId = remoteId;
        this.out = out;
        this.in = in;
        this.lastHeard = now;
        this.lastSent = now;
        this.delivery = new Delivery(this, deliveries);
    }

    @Override
    public String remotePeerId() {
        return remoteId;
    }

    @Override
    public String transportKind() {
        return UdpTransport.KIND;
    }

    @Override
    public int maxMessageSize() {
        return MAX_MESSAGE;
    }

    InetSocketAddress remote() {
        return remote;
    }

    @Override
    public synchronized boolean isOpen() {
        return open;
    }

    @Override
    public void receiver(MessageReceiver r) {
        delivery.receiver(r);
    }

    @Override
    public CompletionStage<Void> send(byte[] message) {
        List<CompletableFuture<Void>> sent;
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (this) {
            if (!open) {
                return CompletableFuture.failedFuture(new IOException("the udp link to " + remoteId + " at " + remote + " is closed"));
            }
            if (message.length > MAX_MESSAGE) {
                return CompletableFuture.failedFuture(new IOException("a message of " + message.length
                        + " bytes is larger than the udp link's maximum of " + MAX_MESSAGE + " bytes; nothing was sent"));
            }
            if (queuedBytes + message.length > QUEUED_BYTES) {
                return CompletableFuture.failedFuture(new IOException("the udp link to " + remoteId + " has " + queuedBytes
                        + " bytes waiting to be sent; try again once they are acknowledged"));
            }
            int at = 0;
            do {
                int n = Math.min(Packets.FRAGMENT, message.length - at);
                byte[] chunk = java.util.Arrays.copyOfRange(message, at, at + n);
                at += n;
                boolean last = at == message.length;
                queued.add(new Outgoing(nextSeq++, last ? Packets.FLAG_LAST : 0, chunk, last ? done : null));
                queuedBytes += n;
            } while (at < message.length);
            sent = pump(System.nanoTime());
        }
        complete(sent);
        return done;
    }

    @Override
    public void close() {
        List<CompletableFuture<Void>> sent;
        synchronized (this) {
            if (!open) {
                return;
            }
            open = false;
            flushing = true;
            closedAt = System.nanoTime();
            queued.add(new Outgoing(nextSeq++, Packets.FLAG_CLOSE, new byte[0], null));
            sent = pump(closedAt);
        }
        complete(sent);
        delivery.closedNow(Optional.empty()); // this side receives nothing more
    }

    /** Ends the link at once (the transport stops): tells the peer, best effort, and fails what is pending. */
    void abort(String reason) {
        byte[] plain = reason.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int i = 0; i < 2; i++) {
            long c = controlCounter.getAndIncrement();
            wire.send(out.seal(Packets.sealedHeader(Packets.ABORT, conn, c), Packets.SPACE_CONTROL, c, plain, 0, plain.length), remote);
        }
        fail(new IOException(reason));
    }

    /** A sealed packet of this link, in its raw form. */
    void packet(byte[] p, int length, long now) {
        byte type = Packets.type(p);
        long counter = Packets.counter(p);
        byte space = type == Packets.DATA ? Packets.SPACE_DATA : Packets.SPACE_CONTROL;
        Optional<byte[]> plain = in.open(p, length, Packets.SEALED_HEADER, space, counter);
        if (plain.isEmpty()) {
            return; // forged, damaged or of another link: dropped, as UDP would have
        }
        byte[] body = plain.get();
        switch (type) {
            case Packets.DATA -> {
                if (body.length >= 1) {
                    data(counter, body, now);
                }
            }
            case Packets.ACK -> {
                if (body.length == 8) {
                    ack(ByteBuffer.wrap(body).getLong(), now);
                }
            }
            case Packets.ABORT -> fail(new IOException("the peer " + remoteId + " ended the udp link: " + Packets.text(body, 0, body.length)));
            default -> {
                // an ACCEPTED resent after the link opened: nothing to do
            }
        }
    }

    private void data(long seq, byte[] body, long now) {
        synchronized (this) {
            lastHeard = now;
            boolean accepting = open || flushing || closedAt != 0;
            if (!accepting) {
                return;
            }
            if (seq >= expected && seq < expected + 4L * WINDOW && delivery.waitingBytes() <= HELD_BYTES) {
                early.put(seq, body);
                while (!early.isEmpty() && early.firstKey() == expected) {
                    byte[] b = early.pollFirstEntry().getValue();
                    expected++;
                    if ((b[0] & Packets.FLAG_CLOSE) != 0) {
                        closedByPeer(now);
                        early.clear();
                        break;
                    }
                    if (assembling.size() + b.length - 1 > MAX_MESSAGE) {
                        failLater(new IOException("the peer " + remoteId + " sent a message larger than " + MAX_MESSAGE + " bytes"));
                        return;
                    }
                    assembling.write(b, 1, b.length - 1);
                    if ((b[0] & Packets.FLAG_LAST) != 0) {
                        byte[] m = assembling.toByteArray();
                        assembling.reset();
                        if (open) {
                            delivery.message(m);
                        }
                    }
                }
            }
            sendAck(now);
        }
    }

    private void closedByPeer(long now) {
        if (open) {
            open = false;
            closedAt = now;
            failQueued(new IOException("the udp link was closed by " + remoteId));
            inFlight.clear();
            delivery.closed(Optional.empty()); // after the messages that came before the close
        }
        // closed here too (flushing): our own close marker still waits for its acknowledgement
    }

    private void ack(long next, long now) {
        List<CompletableFuture<Void>> sent;
        synchronized (this) {
            lastHeard = now;
            inFlight.headMap(next).clear();
            if (flushing && queued.isEmpty() && inFlight.isEmpty()) {
                flushing = false; // the close marker is acknowledged: linger, then go
                closedAt = now;
            }
            sent = pump(now);
        }
        complete(sent);
    }

    /**
     * The timer's call (every few ms): resends what is overdue, keeps the link alive, ends it when
     * the peer went silent. Returns whether the link is finished and can be forgotten.
     */
    boolean tick(long now) {
        synchronized (this) {
            if (!open && !flushing) {
                return closedAt == 0 || now - closedAt > LINGER_NANOS;
            }
            if (now - lastHeard > SILENCE_NANOS) {
                if (flushing) {
                    flushing = false;
                    closedAt = 0;
                    return true;
                }
            } else {
                int resent = 0;
                for (Iterator<InFlight> it = inFlight.values().iterator(); it.hasNext() && resent < 64;) {
                    InFlight f = it.next();
                    if (now - f.sentAt > f.rto) {
                        wire.send(f.packet, remote);
                        f.sentAt = now;
                        f.rto = Math.min(RTO_MAX_NANOS, f.rto * 2);
                        lastSent = now;
                        resent++;
                    }
                }
                if (open && now - lastSent > KEEPALIVE_NANOS) {
                    sendAck(now);
                }
                return false;
            }
        }
        fail(new IOException("no packet from " + remoteId + " at " + remote + " for " + SILENCE_NANOS / 1_000_000_000L
                + " s: the peer stopped or the path is gone"));
        return true;
    }

    void fail(Throwable cause) {
        boolean wasOpen;
        synchronized (this) {
            wasOpen = open;
            open = false;
            flushing = false;
            closedAt = 0;
            failQueued(cause instanceof IOException io ? io : new IOException(cause));
            inFlight.clear();
        }
        if (wasOpen) {
            delivery.closedNow(Optional.of(cause));
        }
    }

    private void failLater(IOException cause) {
        deliveries.execute(() -> fail(cause));
    }

    private void failQueued(IOException cause) {
        for (Outgoing o : queued) {
            if (o.done() != null) {
                o.done().completeExceptionally(cause);
            }
        }
        queued.clear();
        queuedBytes = 0;
    }

    /** Moves queued fragments into the window; returns the sends now handed on (completed outside the lock). */
    private List<CompletableFuture<Void>> pump(long now) {
        List<CompletableFuture<Void>> sent = new ArrayList<>();
        while (inFlight.size() < WINDOW && !queued.isEmpty()) {
            Outgoing o = queued.poll();
            queuedBytes -= o.chunk().length;
            byte[] plain = new byte[1 + o.chunk().length];
            plain[0] = o.flags();
            System.arraycopy(o.chunk(), 0, plain, 1, o.chunk().length);
            byte[] packet = out.seal(Packets.sealedHeader(Packets.DATA, conn, o.seq()), Packets.SPACE_DATA, o.seq(), plain, 0, plain.length);
            wire.send(packet, remote);
            lastSent = now;
            inFlight.put(o.seq(), new InFlight(packet, now));
            if (o.done() != null) {
                sent.add(o.done());
            }
        }
        return sent;
    }

    private void complete(List<CompletableFuture<Void>> sent) {
        if (!sent.isEmpty()) {
            deliveries.execute(() -> sent.forEach(f -> f.complete(null)));
        }
    }

    private void sendAck(long now) {
        long c = controlCounter.getAndIncrement();
        byte[] body = ByteBuffer.allocate(8).putLong(expected).array();
        wire.send(out.seal(Packets.sealedHeader(Packets.ACK, conn, c), Packets.SPACE_CONTROL, c, body, 0, body.length), remote);
        lastSent = now;
    }

    @Override
    public String toString() {
        return "udp link " + Long.toHexString(conn) + " to " + remoteId + " at " + remote;
    }
}

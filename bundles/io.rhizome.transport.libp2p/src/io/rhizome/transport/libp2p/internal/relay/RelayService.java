package io.rhizome.transport.libp2p.internal.relay;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.buffer.ByteBuf;
import io.rhizome.transport.libp2p.internal.Libp2pConnection;
import io.rhizome.transport.libp2p.internal.Libp2pHost;
import io.rhizome.transport.libp2p.internal.StreamProtocol;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.multiformats.MultiformatException;
import io.rhizome.transport.libp2p.internal.multiformats.PeerId;
import io.rhizome.transport.libp2p.internal.noise.IdentitySigner;
import io.rhizome.transport.libp2p.internal.relay.CircuitMessage.Status;
import io.rhizome.transport.libp2p.internal.yamux.StreamHandler;
import io.rhizome.transport.libp2p.internal.yamux.YamuxStream;

/**
 * The relay side of circuit relay v2 (the hop protocol server): grants reservations within its
 * {@link RelayLimits} with a voucher signed by the relay's identity key, and on CONNECT opens a
 * stop stream to the reserved target and splices the two streams, closing the circuit at its data
 * or duration limit. A relay never reads the relayed bytes: they are the peers' Noise session.
 *
 * <p>Thread-safe; stream callbacks run on the connections' event loops.
 */
public final class RelayService implements StreamProtocol {

    private static final Logger LOG = LoggerFactory.getLogger(RelayService.class);

    private record Held(Libp2pConnection connection, Instant expires) {
    }

    private final Libp2pHost host;
    private final IdentitySigner identity;
    private final RelayLimits limits;
    private final Clock clock;
    private final Map<PeerId, Held> reservations = new ConcurrentHashMap<>();
    private final Map<PeerId, AtomicInteger> circuitsPerPeer = new ConcurrentHashMap<>();
    private final AtomicInteger circuits = new AtomicInteger();
    private final AtomicInteger refusedReservations = new AtomicInteger();

    public RelayService(Libp2pHost host, IdentitySigner identity, RelayLimits limits, Clock clock) {
        this.host = host;
        this.identity = identity;
        this.limits = limits;
        this.clock = clock;
    }

    /** Starts serving the hop protocol on {@code host}. */
    public static RelayService install(Libp2pHost host, IdentitySigner identity, RelayLimits limits) {
        RelayService s = new RelayService(host, identity, limits, Clock.systemUTC());
        host.register(CircuitMessage.HOP, s);
        return s;
    }

    public RelayLimits limits() {
        return limits;
    }

    /** Reservations valid now. */
    public int reservations() {
        Instant now = clock.instant();
        reservations.entrySet().removeIf(e -> !valid(e.getValue(), now));
        return reservations.size();
    }

    /** Relayed connections open now. */
    public int circuits() {
        return circuits.get();
    }

    /** Reservations refused since start (over the limit or not allowed). */
    public int refusedReservations() {
        return refusedReservations.get();
    }

    @Override
    public StreamHandler accept(Libp2pConnection connection, YamuxStream stream) {
        DelimitedMessages in = new DelimitedMessages(CircuitMessage.MAX_MESSAGE);
        return new StreamHandler() {
            private boolean handled;

            @Override
            public void onData(YamuxStream s, ByteBuf data) {
                if (handled) {
                    return;
                }
                Optional<byte[]> msg;
                CircuitMessage m;
                try {
                    in.add(data);
                    msg = in.next();
                    if (msg.isEmpty()) {
                        return;
                    }
                    handled = true;
                    m = CircuitMessage.decode(true, msg.get());
                } catch (MultiformatException e) {
                    handled = true;
                    LOG.warn("malformed relay request from {}: {}", connection, e.getMessage());
                    in.release();
                    reply(s, CircuitMessage.hopStatus(Status.MALFORMED_MESSAGE, Optional.empty(), Optional.empty()), true);
                    return;
                }
                switch (m.type()) {
                    case CircuitMessage.HOP_RESERVE -> {
                        in.release();
                        reserve(connection, s);
                    }
                    case CircuitMessage.HOP_CONNECT -> connect(connection, s, m, in);
                    default -> {
                        in.release();
                        reply(s, CircuitMessage.hopStatus(Status.UNEXPECTED_MESSAGE, Optional.empty(), Optional.empty()), true);
                    }
                }
            }

            @Override
            public void onClose(YamuxStream s, Throwable cause) {
                if (!handled) {
                    in.release();
                }
            }
        };
    }

    private void reserve(Libp2pConnection connection, YamuxStream stream) {
        PeerId peer = connection.remotePeer();
        if (connection.isRelayed()) {
            refuse(stream, peer, Status.PERMISSION_DENIED, "a reservation over a relayed connection is not served");
            return;
        }
        Instant now = clock.instant();
        Instant expires = now.plus(limits.reservationTtl());
        synchronized (reservations) {
            reservations.entrySet().removeIf(e -> !valid(e.getValue(), now));
            if (!reservations.containsKey(peer) && reservations.size() >= limits.maxReservations()) {
                refuse(stream, peer, Status.RESERVATION_REFUSED, "the relay holds its maximum of "
                        + limits.maxReservations() + " reservations");
                return;
            }
            reservations.put(peer, new Held(connection, expires));
        }
        long expireSeconds = expires.getEpochSecond();
        List<Multiaddr> addrs = host.listenAddresses();
        byte[] voucher = new ReservationVoucher(host.peerId(), peer, expireSeconds).sign(identity);
        CircuitMessage.Reservation r = new CircuitMessage.Reservation(expireSeconds, addrs, Optional.of(voucher));
        LOG.info("relay reservation for {} until {}", peer, expires);
        reply(stream, CircuitMessage.hopStatus(Status.OK, Optional.of(r),
                limits.limitsCircuits() ? Optional.of(limits.wireLimit()) : Optional.empty()), true);
    }

    private void connect(Libp2pConnection from, YamuxStream hop, CircuitMessage m, DelimitedMessages in) {
        PeerId source = from.remotePeer();
        if (m.peer().isEmpty()) {
            in.release();
            reply(hop, CircuitMessage.hopStatus(Status.MALFORMED_MESSAGE, Optional.empty(), Optional.empty()), true);
            return;
        }
        PeerId target = m.peer().get().id();
        Held held = reservations.get(target);
        if (held == null || !valid(held, clock.instant())) {
            in.release();
            LOG.info("relay refused a circuit from {} to {}: the target holds no reservation", source, target);
            reply(hop, CircuitMessage.hopStatus(Status.NO_RESERVATION, Optional.empty(), Optional.empty()), true);
            return;
        }
        if (from.isRelayed() || !acquire(source, target)) {
            in.release();
            LOG.info("relay refused a circuit from {} to {}: circuit limit reached", source, target);
            reply(hop, CircuitMessage.hopStatus(Status.RESOURCE_LIMIT_EXCEEDED, Optional.empty(), Optional.empty()), true);
            return;
        }
        Optional<CircuitMessage.Limit> limit = limits.limitsCircuits() ? Optional.of(limits.wireLimit()) : Optional.empty();
        new PendingCircuit(from, hop, held.connection(), source, target, limit, in).open();
    }

    /**
     * A CONNECT waiting for the target's answer on the stop stream, then the circuit. Every event of
     * both streams is handled on the initiator connection's event loop.
     */
    private final class PendingCircuit implements StreamHandler {
        private final Libp2pConnection from;
        private final YamuxStream hop;
        private final Libp2pConnection to;
        private final PeerId source;
        private final PeerId target;
        private final Optional<CircuitMessage.Limit> limit;
        private final DelimitedMessages hopIn;
        private final DelimitedMessages stopIn = new DelimitedMessages(CircuitMessage.MAX_MESSAGE);
        private boolean answered;
        private volatile YamuxStream stop;
        private CircuitSplice splice;

        PendingCircuit(Libp2pConnection from, YamuxStream hop, Libp2pConnection to, PeerId source, PeerId target,
                Optional<CircuitMessage.Limit> limit, DelimitedMessages hopIn) {
            this.from = from;
            this.hop = hop;
            this.to = to;
            this.source = source;
            this.target = target;
            this.limit = limit;
            this.hopIn = hopIn;
        }

        void open() {
            // bytes the initiator sends before the answer wait in hopIn
            hop.handler(new StreamHandler() {
                @Override
                public void onData(YamuxStream s, ByteBuf data) {
                    hopIn.add(data);
                }

                @Override
                public void onClose(YamuxStream s, Throwable cause) {
                    fail("the initiator's stream closed before the target answered");
                }
            });
            to.newStream(CircuitMessage.STOP, this).whenComplete((stop, err) -> {
                if (err != null) {
                    onLoop(() -> fail("cannot open a stop stream: " + err.getMessage()));
                    return;
                }
                this.stop = stop;
                stop.manualCredit(true);
                stop.write(DelimitedMessages.frame(CircuitMessage.stopConnect(source, limit).encode()));
                onLoop(() -> {
                    if (answered && splice == null) {
                        stop.reset(); // the circuit failed before the stream was open
                    }
                });
            });
        }

        private void onLoop(Runnable r) {
            from.channel().eventLoop().execute(r);
        }

        @Override
        public void onData(YamuxStream stop, ByteBuf data) {
            ByteBuf copy = data.retain();
            onLoop(() -> {
                try {
                    if (splice != null) {
                        splice.fromStop().onData(stop, copy);
                    } else if (!answered) {
                        stop.credit(copy.readableBytes());
                        answer(stop, copy);
                    }
                } finally {
                    copy.release();
                }
            });
        }

        @Override
        public void onRemoteClose(YamuxStream stop) {
            onLoop(() -> {
                if (splice != null) {
                    splice.fromStop().onRemoteClose(stop);
                }
            });
        }

        @Override
        public void onClose(YamuxStream stop, Throwable cause) {
            onLoop(() -> {
                if (splice != null) {
                    splice.fromStop().onClose(stop, cause);
                } else {
                    fail("the target closed the stop stream");
                }
            });
        }

        private void answer(YamuxStream stop, ByteBuf data) {
            Optional<byte[]> msg;
            CircuitMessage answer;
            try {
                stopIn.add(data);
                msg = stopIn.next();
                if (msg.isEmpty()) {
                    return;
                }
                answer = CircuitMessage.decode(false, msg.get());
            } catch (MultiformatException e) {
                stop.reset();
                fail("malformed stop answer: " + e.getMessage());
                return;
            }
            if (!answer.isStatus() || answer.status().orElse(null) != Status.OK) {
                stop.reset();
                fail("the target answered " + answer.status().map(Enum::name).orElse("without a status"));
                return;
            }
            answered = true;
            reply(hop, CircuitMessage.hopStatus(Status.OK, Optional.empty(), limit), false);
            splice = new CircuitSplice(hop, stop, limits.circuitDataBytes(), source + " -> " + target,
                    () -> release(source, target));
            splice.start(hopIn.rest(), stopIn.rest(), limits.circuitDuration(), from.channel().eventLoop());
            hopIn.release();
            stopIn.release();
            LOG.info("relaying {} -> {}", source, target);
        }

        private void fail(String reason) {
            if (answered) {
                return;
            }
            answered = true;
            LOG.info("relay circuit {} -> {} failed: {}", source, target, reason);
            YamuxStream s = stop;
            if (s != null) {
                s.reset();
            }
            release(source, target);
            hopIn.release();
            stopIn.release();
            reply(hop, CircuitMessage.hopStatus(Status.CONNECTION_FAILED, Optional.empty(), Optional.empty()), true);
        }
    }

    private boolean valid(Held h, Instant now) {
        return h.connection().isOpen() && now.isBefore(h.expires());
    }

    private synchronized boolean acquire(PeerId a, PeerId b) {
        AtomicInteger ca = circuitsPerPeer.computeIfAbsent(a, k -> new AtomicInteger());
        AtomicInteger cb = circuitsPerPeer.computeIfAbsent(b, k -> new AtomicInteger());
        if (circuits.get() >= limits.maxCircuits() || ca.get() >= limits.maxCircuitsPerPeer()
                || cb.get() >= limits.maxCircuitsPerPeer()) {
            return false;
        }
        circuits.incrementAndGet();
        ca.incrementAndGet();
        cb.incrementAndGet();
        return true;
    }

    private synchronized void release(PeerId a, PeerId b) {
        circuits.decrementAndGet();
        for (PeerId p : new PeerId[] {a, b}) {
            AtomicInteger c = circuitsPerPeer.get(p);
            if (c != null && c.decrementAndGet() <= 0) {
                circuitsPerPeer.remove(p);
            }
        }
    }

    private void refuse(YamuxStream stream, PeerId peer, Status status, String reason) {
        refusedReservations.incrementAndGet();
        LOG.info("relay refused a reservation for {} ({}): {}", peer, status, reason);
        reply(stream, CircuitMessage.hopStatus(status, Optional.empty(), Optional.empty()), true);
    }

    private static void reply(YamuxStream stream, CircuitMessage m, boolean close) {
        stream.write(DelimitedMessages.frame(m.encode()));
        if (close) {
            stream.closeWrite();
        }
    }
}

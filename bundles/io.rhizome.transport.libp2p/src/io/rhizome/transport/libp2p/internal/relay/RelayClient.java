package io.rhizome.transport.libp2p.internal.relay;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.rhizome.transport.libp2p.internal.Libp2pConnection;
import io.rhizome.transport.libp2p.internal.Libp2pHost;
import io.rhizome.transport.libp2p.internal.StreamProtocol;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.multiformats.MultiformatException;
import io.rhizome.transport.libp2p.internal.multiformats.PeerId;
import io.rhizome.transport.libp2p.internal.relay.CircuitMessage.Status;
import io.rhizome.transport.libp2p.internal.yamux.StreamHandler;
import io.rhizome.transport.libp2p.internal.yamux.YamuxStream;

/**
 * The client side of circuit relay v2: reserves a slot on a relay (hop RESERVE, voucher checked),
 * dials {@code /p2p/RELAY/p2p-circuit/p2p/TARGET} (hop CONNECT) and accepts relayed connections
 * from relays it holds a reservation on (stop CONNECT). A relayed connection is the relay stream
 * wrapped in a {@link StreamChannel} and upgraded by the host exactly like TCP (Noise, then Yamux),
 * so it is authenticated and encrypted end to end.
 *
 * <p>Thread-safe. Keeping reservations alive is {@link RelayReservations}' job.
 */
public final class RelayClient implements StreamProtocol {

    private static final Logger LOG = LoggerFactory.getLogger(RelayClient.class);

    /** A granted reservation. */
    public record Granted(Multiaddr relayAddress, PeerId relay, CircuitMessage.Reservation reservation,
            Optional<CircuitMessage.Limit> limit, Libp2pConnection connection) {

        public Instant expires() {
            return Instant.ofEpochSecond(reservation.expireEpochSeconds());
        }

        /** The address other peers dial to reach this node through the relay. */
        public Multiaddr circuitAddress(PeerId self) {
            return circuit(relayAddress, self);
        }
    }

    private final Libp2pHost host;
    private final Clock clock;
    private final Map<PeerId, Granted> granted = new ConcurrentHashMap<>();

    public RelayClient(Libp2pHost host, Clock clock) {
        this.host = host;
        this.clock = clock;
    }

    /** Serves the stop protocol on {@code host} and makes it dial /p2p-circuit addresses. */
    public static RelayClient install(Libp2pHost host) {
        RelayClient c = new RelayClient(host, Clock.systemUTC());
        host.register(CircuitMessage.STOP, c);
        host.circuitDialer(c::dial);
        return c;
    }

    /** The reservations held now (their relay connection open, not expired). */
    public List<Granted> reservations() {
        Instant now = clock.instant();
        return granted.values().stream().filter(g -> g.connection().isOpen() && now.isBefore(g.expires())).toList();
    }

    /** Stops listing the reservation on {@code relay} (it lapses there): this node needs none. */
    public void forget(PeerId relay) {
        granted.remove(relay);
    }

    /** This node's relayed addresses, one per reservation held. */
    public List<Multiaddr> circuitAddresses() {
        return reservations().stream().map(g -> g.circuitAddress(host.peerId())).toList();
    }

    /** {@code relay} (ending in /p2p/RELAY) + /p2p-circuit/p2p/{peer}. */
    public static Multiaddr circuit(Multiaddr relay, PeerId peer) {
        List<Multiaddr.Component> cs = new ArrayList<>(relay.components());
        cs.add(new Multiaddr.Component(Multiaddr.Protocol.P2P_CIRCUIT, new byte[0]));
        cs.add(new Multiaddr.Component(Multiaddr.Protocol.P2P, peer.multihash()));
        return new Multiaddr(cs);
    }

    /** Reserves a slot on the relay at {@code relayAddress} (which must end in /p2p/RELAY), connecting if needed. */
    public CompletableFuture<Granted> reserve(Multiaddr relayAddress) {
        Optional<PeerId> relay = relayAddress.peerId();
        if (relay.isEmpty()) {
            return CompletableFuture.failedFuture(new IOException("relay address " + relayAddress + " must end in /p2p/<relay peer id>"));
        }
        return connectionTo(relayAddress, relay.get()).thenCompose(conn -> {
            CompletableFuture<Granted> result = new CompletableFuture<>();
            HopExchange.run(conn, CircuitMessage.hopReserve(), (stream, answer, rest) -> {
                rest.release();
                Status status = answer.status().orElseThrow();
                if (status != Status.OK || answer.reservation().isEmpty()) {
                    result.completeExceptionally(new RelayException("relay " + relay.get() + " refused the reservation: "
                            + status + " (" + status.code + ")", Optional.of(status)));
                    return;
                }
                CircuitMessage.Reservation r = answer.reservation().get();
                try {
                    r.voucher().ifPresent(v -> checkVoucher(v, relay.get(), r.expireEpochSeconds()));
                } catch (MultiformatException e) {
                    result.completeExceptionally(new RelayException("relay " + relay.get() + " sent a bad voucher: "
                            + e.getMessage(), Optional.empty()));
                    return;
                }
                Granted g = new Granted(relayAddress, relay.get(), r, answer.limit(), conn);
                granted.put(relay.get(), g);
                LOG.info("reservation on relay {} until {}; reachable at {}", relay.get(), g.expires(), g.circuitAddress(host.peerId()));
                result.complete(g);
            }).whenComplete((v, err) -> {
                if (err != null) {
                    result.completeExceptionally(err);
                }
            });
            return result;
        });
    }

    private void checkVoucher(byte[] envelope, PeerId relay, long expire) {
        ReservationVoucher v = ReservationVoucher.verify(envelope);
        if (!v.relay().equals(relay) || !v.peer().equals(host.peerId())) {
            throw new MultiformatException("the voucher names relay " + v.relay() + " and peer " + v.peer()
                    + ", not " + relay + " and " + host.peerId());
        }
    }

    /** Dials {@code /…/p2p/RELAY/p2p-circuit/p2p/TARGET}: a hop CONNECT, then Noise and Yamux over the stream. */
    public CompletableFuture<Libp2pConnection> dial(Multiaddr address) {
        List<Multiaddr.Component> cs = address.components();
        int circuit = -1;
        for (int i = 0; i < cs.size(); i++) {
            if (cs.get(i).protocol() == Multiaddr.Protocol.P2P_CIRCUIT) {
                circuit = i;
                break;
            }
        }
        Optional<PeerId> target = address.peerId();
        if (circuit < 1 || target.isEmpty() || circuit != cs.size() - 2) {
            return CompletableFuture.failedFuture(new IOException("not a relayed address (expected .../p2p/<relay>/p2p-circuit/p2p/<target>): " + address));
        }
        Multiaddr relayAddress = new Multiaddr(cs.subList(0, circuit));
        Optional<PeerId> relay = relayAddress.peerId();
        if (relay.isEmpty()) {
            return CompletableFuture.failedFuture(new IOException("the relay part of " + address + " must end in /p2p/<relay peer id>"));
        }
        return connectionTo(relayAddress, relay.get()).thenCompose(conn -> {
            CompletableFuture<Libp2pConnection> result = new CompletableFuture<>();
            HopExchange.run(conn, CircuitMessage.hopConnect(target.get()), (stream, answer, rest) -> {
                Status status = answer.status().orElseThrow();
                if (status != Status.OK) {
                    rest.release();
                    result.completeExceptionally(new RelayException("relay " + relay.get() + " could not connect to "
                            + target.get() + ": " + status + " (" + status.code + ")", Optional.of(status)));
                    return;
                }
                relayed(conn, stream, address, target.get(), true, rest, result);
            }).whenComplete((v, err) -> {
                if (err != null) {
                    result.completeExceptionally(err);
                }
            });
            return result;
        });
    }

    @Override
    public StreamHandler accept(Libp2pConnection connection, YamuxStream stream) {
        DelimitedMessages in = new DelimitedMessages(CircuitMessage.MAX_MESSAGE);
        return new StreamHandler() {
            private boolean done;

            @Override
            public void onData(YamuxStream s, ByteBuf data) {
                if (done) {
                    return;
                }
                CircuitMessage m;
                try {
                    in.add(data);
                    Optional<byte[]> msg = in.next();
                    if (msg.isEmpty()) {
                        return;
                    }
                    done = true;
                    m = CircuitMessage.decode(false, msg.get());
                } catch (MultiformatException e) {
                    done = true;
                    in.release();
                    answer(s, Status.MALFORMED_MESSAGE);
                    return;
                }
                if (m.type() != CircuitMessage.STOP_CONNECT || m.peer().isEmpty()) {
                    in.release();
                    answer(s, Status.UNEXPECTED_MESSAGE);
                    return;
                }
                if (!granted.containsKey(connection.remotePeer())) {
                    in.release();
                    LOG.info("refusing a relayed connection through {}: no reservation is held there", connection.remotePeer());
                    answer(s, Status.PERMISSION_DENIED);
                    return;
                }
                PeerId initiator = m.peer().get().id();
                s.write(DelimitedMessages.frame(CircuitMessage.stopStatus(Status.OK).encode()));
                ByteBuf rest = in.rest();
                in.release();
                Multiaddr from = circuit(connection.remoteAddress(), initiator);
                CompletableFuture<Libp2pConnection> ready = new CompletableFuture<>();
                ready.whenComplete((c, err) -> {
                    if (err != null) {
                        LOG.info("relayed connection from {} failed: {}", from, err.getMessage());
                    }
                });
                relayed(connection, s, from, initiator, false, rest, ready);
            }

            @Override
            public void onClose(YamuxStream s, Throwable cause) {
                if (!done) {
                    in.release();
                }
            }
        };
    }

    private static void answer(YamuxStream s, Status status) {
        s.write(DelimitedMessages.frame(CircuitMessage.stopStatus(status).encode()));
        s.closeWrite();
    }

    /** Turns {@code stream} into a relayed connection. On the carrier's event loop, inside the stream's data callback. */
    private void relayed(Libp2pConnection carrier, YamuxStream stream, Multiaddr remote, PeerId expected, boolean initiator,
            ByteBuf early, CompletableFuture<Libp2pConnection> result) {
        StreamChannel ch = new StreamChannel(carrier.channel(), stream, remote);
        ch.pipeline().addLast(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel c) {
                host.upgradeRelayed(c, initiator, expected).whenComplete((conn, err) -> {
                    if (err != null) {
                        result.completeExceptionally(err);
                    } else {
                        result.complete(conn);
                    }
                });
            }
        });
        stream.handler(ch.streamHandler());
        carrier.channel().eventLoop().register(ch);
        try {
            ch.deliverEarly(early);
        } finally {
            early.release();
        }
    }

    private CompletableFuture<Libp2pConnection> connectionTo(Multiaddr relayAddress, PeerId relay) {
        Optional<Libp2pConnection> open = host.connectionTo(relay).filter(c -> !c.isRelayed());
        if (open.isPresent()) {
            return CompletableFuture.completedFuture(open.get());
        }
        if (relayAddress.components().size() == 1) {
            return CompletableFuture.failedFuture(new IOException("not connected to relay " + relay + " and its address "
                    + relayAddress + " has no transport part to dial"));
        }
        return host.dial(relayAddress);
    }
}

package io.rhizome.transport.libp2p.internal.relay;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.multiformats.MultiformatException;
import io.rhizome.transport.libp2p.internal.multiformats.PeerId;
import io.rhizome.transport.libp2p.internal.multiformats.Protobuf;

/**
 * The messages of circuit relay v2 (libp2p specs, relay/circuit-v2.md): {@code HopMessage} on
 * {@code /libp2p/circuit/relay/0.2.0/hop} and {@code StopMessage} on {@code .../stop}. Both share
 * one shape here (the stop message has no reservation), with the protobuf field numbers of each.
 *
 * @param hop         whether this is a HopMessage (else a StopMessage)
 * @param type        the message type number: hop RESERVE 0, CONNECT 1, STATUS 2; stop CONNECT 0, STATUS 1
 * @param peer        hop CONNECT: the target; stop CONNECT: the initiator
 * @param reservation only in a hop STATUS answering RESERVE
 * @param limit       the relay's limits on relayed connections, empty for none
 * @param status      only in STATUS messages
 */
public record CircuitMessage(boolean hop, int type, Optional<RelayPeer> peer, Optional<Reservation> reservation,
        Optional<Limit> limit, Optional<Status> status) {

    public static final String HOP = "/libp2p/circuit/relay/0.2.0/hop";
    public static final String STOP = "/libp2p/circuit/relay/0.2.0/stop";
    /** Largest message either side reads; the spec's messages are a few hundred bytes. */
    public static final int MAX_MESSAGE = 4096;

    public static final int HOP_RESERVE = 0;
    public static final int HOP_CONNECT = 1;
    public static final int HOP_STATUS = 2;
    public static final int STOP_CONNECT = 0;
    public static final int STOP_STATUS = 1;

    /** The spec's status codes. */
    public enum Status {
        OK(100), RESERVATION_REFUSED(200), RESOURCE_LIMIT_EXCEEDED(201), PERMISSION_DENIED(202),
        CONNECTION_FAILED(203), NO_RESERVATION(204), MALFORMED_MESSAGE(400), UNEXPECTED_MESSAGE(401);

        public final int code;

        Status(int code) {
            this.code = code;
        }

        static Status of(long code) {
            for (Status s : values()) {
                if (s.code == code) {
                    return s;
                }
            }
            throw new MultiformatException("unknown circuit relay status " + code);
        }
    }

    /** A peer id with optional addresses. */
    public record RelayPeer(PeerId id, List<Multiaddr> addrs) {
        public RelayPeer {
            addrs = List.copyOf(addrs);
        }

        byte[] encode() {
            Protobuf.Writer w = new Protobuf.Writer().bytes(1, id.multihash());
            addrs.forEach(a -> w.bytes(2, a.toBytes()));
            return w.toByteArray();
        }

        static RelayPeer decode(byte[] b) {
            PeerId id = null;
            List<Multiaddr> addrs = new ArrayList<>();
            for (Protobuf.Field f : Protobuf.decode(b)) {
                if (f.number() == 1 && f.wireType() == 2) {
                    id = new PeerId(f.bytes());
                } else if (f.number() == 2 && f.wireType() == 2) {
                    try {
                        addrs.add(Multiaddr.fromBytes(f.bytes()));
                    } catch (MultiformatException e) {
                        // an address of a protocol we do not speak is of no use to us, the peer id is
                    }
                }
            }
            if (id == null) {
                throw new MultiformatException("circuit relay Peer without an id");
            }
            return new RelayPeer(id, addrs);
        }
    }

    /**
     * @param expireEpochSeconds UTC Unix time the reservation ends
     * @param addrs the relay's public addresses (with its /p2p id, without /p2p-circuit)
     * @param voucher the signed-envelope voucher, empty if the relay sent none
     */
    public record Reservation(long expireEpochSeconds, List<Multiaddr> addrs, Optional<byte[]> voucher) {
        public Reservation {
            addrs = List.copyOf(addrs);
        }

        byte[] encode() {
            Protobuf.Writer w = new Protobuf.Writer().varint(1, expireEpochSeconds);
            addrs.forEach(a -> w.bytes(2, a.toBytes()));
            voucher.ifPresent(v -> w.bytes(3, v));
            return w.toByteArray();
        }

        static Reservation decode(byte[] b) {
            long expire = 0;
            List<Multiaddr> addrs = new ArrayList<>();
            byte[] voucher = null;
            for (Protobuf.Field f : Protobuf.decode(b)) {
                switch (f.number()) {
                    case 1 -> expire = requireVarint(f);
                    case 2 -> {
                        try {
                            addrs.add(Multiaddr.fromBytes(requireBytes(f)));
                        } catch (MultiformatException e) {
                            // relay addresses over transports we lack (QUIC, WebRTC) are skipped
                        }
                    }
                    case 3 -> voucher = requireBytes(f);
                    default -> {
                    }
                }
            }
            return new Reservation(expire, addrs, Optional.ofNullable(voucher));
        }
    }

    /**
     * @param durationSeconds longest life of a relayed connection, 0 for no limit
     * @param dataBytes bytes the relay forwards in each direction of a relayed connection, 0 for no limit
     */
    public record Limit(long durationSeconds, long dataBytes) {
        byte[] encode() {
            Protobuf.Writer w = new Protobuf.Writer();
            if (durationSeconds > 0) {
                w.varint(1, durationSeconds);
            }
            if (dataBytes > 0) {
                w.varint(2, dataBytes);
            }
            return w.toByteArray();
        }

        static Limit decode(byte[] b) {
            long duration = 0;
            long data = 0;
            for (Protobuf.Field f : Protobuf.decode(b)) {
                if (f.number() == 1) {
                    duration = requireVarint(f);
                } else if (f.number() == 2) {
                    data = requireVarint(f);
                }
            }
            return new Limit(duration, data);
        }
    }

    public static CircuitMessage hopReserve() {
        return new CircuitMessage(true, HOP_RESERVE, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    public static CircuitMessage hopConnect(PeerId target) {
        return new CircuitMessage(true, HOP_CONNECT, Optional.of(new RelayPeer(target, List.of())), Optional.empty(),
                Optional.empty(), Optional.empty());
    }

    public static CircuitMessage hopStatus(Status status, Optional<Reservation> reservation, Optional<Limit> limit) {
        return new CircuitMessage(true, HOP_STATUS, Optional.empty(), reservation, limit, Optional.of(status));
    }

    public static CircuitMessage stopConnect(PeerId initiator, Optional<Limit> limit) {
        return new CircuitMessage(false, STOP_CONNECT, Optional.of(new RelayPeer(initiator, List.of())), Optional.empty(),
                limit, Optional.empty());
    }

    public static CircuitMessage stopStatus(Status status) {
        return new CircuitMessage(false, STOP_STATUS, Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(status));
    }

    public boolean isStatus() {
        return type == (hop ? HOP_STATUS : STOP_STATUS);
    }

    public byte[] encode() {
        Protobuf.Writer w = new Protobuf.Writer().varint(1, type);
        peer.ifPresent(p -> w.bytes(2, p.encode()));
        if (hop) {
            reservation.ifPresent(r -> w.bytes(3, r.encode()));
            limit.ifPresent(l -> w.bytes(4, l.encode()));
            status.ifPresent(s -> w.varint(5, s.code));
        } else {
            limit.ifPresent(l -> w.bytes(3, l.encode()));
            status.ifPresent(s -> w.varint(4, s.code));
        }
        return w.toByteArray();
    }

    /** Decodes a HopMessage ({@code hop}) or StopMessage; a malformed one throws {@link MultiformatException}. */
    public static CircuitMessage decode(boolean hop, byte[] b) {
        Integer type = null;
        RelayPeer peer = null;
        Reservation reservation = null;
        Limit limit = null;
        Status status = null;
        for (Protobuf.Field f : Protobuf.decode(b)) {
            int n = f.number();
            if (n == 1) {
                type = (int) requireVarint(f);
            } else if (n == 2) {
                peer = RelayPeer.decode(requireBytes(f));
            } else if (hop && n == 3) {
                reservation = Reservation.decode(requireBytes(f));
            } else if (hop && n == 4 || !hop && n == 3) {
                limit = Limit.decode(requireBytes(f));
            } else if (hop && n == 5 || !hop && n == 4) {
                status = Status.of(requireVarint(f));
            }
        }
        if (type == null || type < 0 || type > (hop ? HOP_STATUS : STOP_STATUS)) {
            throw new MultiformatException((hop ? "HopMessage" : "StopMessage") + " with a missing or unknown type " + type);
        }
        return new CircuitMessage(hop, type, Optional.ofNullable(peer), Optional.ofNullable(reservation),
                Optional.ofNullable(limit), Optional.ofNullable(status));
    }

    private static long requireVarint(Protobuf.Field f) {
        if (f.wireType() != 0) {
            throw new MultiformatException("circuit relay field " + f.number() + " must be a varint");
        }
        return f.value();
    }

    private static byte[] requireBytes(Protobuf.Field f) {
        if (f.wireType() != 2) {
            throw new MultiformatException("circuit relay field " + f.number() + " must be length-delimited");
        }
        return f.bytes();
    }
}

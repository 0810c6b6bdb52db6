package io.rhizome.transport.libp2p.internal.autonat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.multiformats.MultiformatException;
import io.rhizome.transport.libp2p.internal.multiformats.Protobuf;

/**
 * AutoNAT v1 messages (libp2p specs autonat/autonat-v1.md): {@code Message{type = 1: DIAL 0 |
 * DIAL_RESPONSE 1; dial = 2: Dial{peer = 1: PeerInfo{id = 1, repeated addrs = 2}}; dialResponse = 3:
 * DialResponse{status = 1, statusText = 2, addr = 3}}}. Addresses this node cannot parse are dropped.
 */
public sealed interface AutoNatMessage {

    int MAX_MESSAGE = 4096;

    /** Please dial me back at these addresses. */
    record Dial(byte[] peerId, List<Multiaddr> addresses) implements AutoNatMessage {
        public Dial {
            addresses = List.copyOf(addresses);
        }
    }

    record DialResponse(Status status, String statusText, Optional<Multiaddr> address) implements AutoNatMessage {
    }

    enum Status {
        OK(0), E_DIAL_ERROR(100), E_DIAL_REFUSED(101), E_BAD_REQUEST(200), E_INTERNAL_ERROR(300);

        final int code;

        Status(int code) {
            this.code = code;
        }

        static Status of(long code) {
            for (Status s : values()) {
                if (s.code == code) {
                    return s;
                }
            }
            throw new MultiformatException("unknown AutoNAT response status " + code);
        }
    }

    static byte[] encode(AutoNatMessage m) {
        Protobuf.Writer w = new Protobuf.Writer();
        if (m instanceof Dial d) {
            Protobuf.Writer peer = new Protobuf.Writer().bytes(1, d.peerId());
            d.addresses().forEach(a -> peer.bytes(2, a.toBytes()));
            w.varint(1, 0).bytes(2, new Protobuf.Writer().bytes(1, peer.toByteArray()).toByteArray());
        } else if (m instanceof DialResponse r) {
            Protobuf.Writer resp = new Protobuf.Writer().varint(1, r.status().code);
            if (!r.statusText().isEmpty()) {
                resp.string(2, r.statusText());
            }
            r.address().ifPresent(a -> resp.bytes(3, a.toBytes()));
            w.varint(1, 1).bytes(3, resp.toByteArray());
        }
        return w.toByteArray();
    }

    static AutoNatMessage decode(byte[] bytes) {
        Long type = null;
        byte[] dial = null;
        byte[] response = null;
        for (Protobuf.Field f : Protobuf.decode(bytes)) {
            switch (f.number()) {
                case 1 -> type = f.wireType() == 0 ? f.value() : null;
                case 2 -> dial = f.wireType() == 2 ? f.bytes() : null;
                case 3 -> response = f.wireType() == 2 ? f.bytes() : null;
                default -> {
                }
            }
        }
        if (type == null) {
            throw new MultiformatException("AutoNAT message without a type");
        }
        if (type == 0) {
            if (dial == null) {
                throw new MultiformatException("AutoNAT DIAL without a dial field");
            }
            byte[] id = new byte[0];
            List<Multiaddr> addrs = new ArrayList<>();
            for (Protobuf.Field f : Protobuf.decode(dial)) {
                if (f.number() == 1 && f.wireType() == 2) {
                    for (Protobuf.Field p : Protobuf.decode(f.bytes())) {
                        if (p.number() == 1 && p.wireType() == 2) {
                            id = p.bytes();
                        } else if (p.number() == 2 && p.wireType() == 2) {
                            try {
                                addrs.add(Multiaddr.fromBytes(p.bytes()));
                            } catch (MultiformatException e) {
                                // an address kind we cannot dial anyway
                            }
                        }
                    }
                }
            }
            return new Dial(id, addrs);
        }
        if (type == 1) {
            if (response == null) {
                throw new MultiformatException("AutoNAT DIAL_RESPONSE without a dialResponse field");
            }
            Status status = null;
            String text = "";
            Optional<Multiaddr> addr = Optional.empty();
            for (Protobuf.Field f : Protobuf.decode(response)) {
                if (f.number() == 1 && f.wireType() == 0) {
                    status = Status.of(f.value());
                } else if (f.number() == 2 && f.wireType() == 2) {
                    text = f.string();
                } else if (f.number() == 3 && f.wireType() == 2) {
                    try {
                        addr = Optional.of(Multiaddr.fromBytes(f.bytes()));
                    } catch (MultiformatException e) {
                        addr = Optional.empty();
                    }
                }
            }
            if (status == null) {
                throw new MultiformatException("AutoNAT DIAL_RESPONSE without a status");
            }
            return new DialResponse(status, text, addr);
        }
        throw new MultiformatException("unknown AutoNAT message type " + type);
    }
}

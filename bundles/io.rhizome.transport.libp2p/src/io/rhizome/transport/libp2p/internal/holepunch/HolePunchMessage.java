package io.rhizome.transport.libp2p.internal.holepunch;

import java.util.ArrayList;
import java.util.List;

import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.multiformats.MultiformatException;
import io.rhizome.transport.libp2p.internal.multiformats.Protobuf;

/**
 * The DCUtR message (libp2p specs, relay/DCUtR.md): {@code HolePunch{type = 1: CONNECT 100 | SYNC
 * 300; repeated bytes ObsAddrs = 2}}. Addresses this node cannot parse are dropped, a missing or
 * unknown type is malformed.
 */
public record HolePunchMessage(Type type, List<Multiaddr> addresses) {

    /** Messages over this size (length prefix excluded) are refused, as the spec says. */
    public static final int MAX_MESSAGE = 4096;

    public enum Type {
        CONNECT(100), SYNC(300);

        final int code;

        Type(int code) {
            this.code = code;
        }
    }

    public HolePunchMessage {
        addresses = List.copyOf(addresses);
    }

    public static HolePunchMessage connect(List<Multiaddr> addresses) {
        return new HolePunchMessage(Type.CONNECT, addresses);
    }

    public static HolePunchMessage sync() {
        return new HolePunchMessage(Type.SYNC, List.of());
    }

    public byte[] encode() {
        Protobuf.Writer w = new Protobuf.Writer().varint(1, type.code);
        for (Multiaddr a : addresses) {
            w.bytes(2, a.toBytes());
        }
        return w.toByteArray();
    }

    public static HolePunchMessage decode(byte[] bytes) {
        Type type = null;
        List<Multiaddr> addrs = new ArrayList<>();
        for (Protobuf.Field f : Protobuf.decode(bytes)) {
            if (f.number() == 1 && f.wireType() == 0) {
                type = switch ((int) f.value()) {
                    case 100 -> Type.CONNECT;
                    case 300 -> Type.SYNC;
                    default -> throw new MultiformatException("unknown HolePunch type " + f.value());
                };
            } else if (f.number() == 2 && f.wireType() == 2) {
                try {
                    addrs.add(Multiaddr.fromBytes(f.bytes()));
                } catch (MultiformatException e) {
                    // an address kind we do not know (QUIC, WebRTC): not one we can punch with
                }
            }
        }
        if (type == null) {
            throw new MultiformatException("HolePunch message without a type");
        }
        return new HolePunchMessage(type, addrs);
    }
}

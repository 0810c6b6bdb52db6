package io.rhizome.transport.libp2p.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.rhizome.transport.libp2p.internal.multiformats.MultiformatException;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.multiformats.Protobuf;

/**
 * The identify message (/ipfs/id/1.0.0). Listen addresses and the observed address the remote sent
 * in a form we cannot parse are dropped rather than failing the whole message.
 */
public record IdentifyInfo(String protocolVersion, String agentVersion, byte[] publicKey,
        List<Multiaddr> listenAddrs, Optional<Multiaddr> observedAddr, List<String> protocols) {

    public static final String PROTOCOL_VERSION = "ipfs/0.1.0";

    public byte[] encode() {
        Protobuf.Writer w = new Protobuf.Writer();
        w.bytes(1, publicKey);
        for (Multiaddr a : listenAddrs) {
            w.bytes(2, a.toBytes());
        }
        for (String p : protocols) {
            w.string(3, p);
        }
        observedAddr.ifPresent(a -> w.bytes(4, a.toBytes()));
        w.string(5, protocolVersion);
        w.string(6, agentVersion);
        return w.toByteArray();
    }

    public static IdentifyInfo decode(byte[] bytes) {
        String protocolVersion = "";
        String agent = "";
        byte[] key = new byte[0];
        List<Multiaddr> listen = new ArrayList<>();
        Optional<Multiaddr> observed = Optional.empty();
        List<String> protocols = new ArrayList<>();
        for (Protobuf.Field f : Protobuf.decode(bytes)) {
            if (f.wireType() != 2) {
                continue;
            }
            switch (f.number()) {
                case 1 -> key = f.bytes();
                case 2 -> parse(f.bytes()).ifPresent(listen::add);
                case 3 -> protocols.add(f.string());
                case 4 -> observed = parse(f.bytes());
                case 5 -> protocolVersion = f.string();
                case 6 -> agent = f.string();
                default -> {
                }
            }
        }
        return new IdentifyInfo(protocolVersion, agent, key, listen, observed, protocols);
    }

    private static Optional<Multiaddr> parse(byte[] b) {
        try {
            return Optional.of(Multiaddr.fromBytes(b));
        } catch (MultiformatException e) {
            return Optional.empty();
        }
    }
}

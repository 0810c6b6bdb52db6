package io.rhizome.transport.libp2p.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import io.rhizome.fuzz.Contract;
import io.rhizome.fuzz.Target;
import io.rhizome.transport.libp2p.internal.multiformats.MultiformatException;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.multiformats.PeerId;

/**
 * libp2p identify messages and the multiformats in them, whose documented error is
 * {@link MultiformatException}. The first input byte picks: 0, {@link IdentifyInfo#decode} (a
 * protobuf with multiaddrs in binary form); 1, {@link Multiaddr#fromBytes}; 2, the text forms a peer
 * or a user hands over ({@link Multiaddr#parse}, {@link PeerId#parse}).
 */
public final class IdentifyFuzz implements Target {

    private static final Contract CONTRACT = Contract.typed(MultiformatException.class);

    public static void fuzzerTestOneInput(byte[] input) {
        if (input.length == 0) {
            return;
        }
        byte[] bytes = Arrays.copyOfRange(input, 1, input.length);
        switch ((input[0] & 0xFF) % 3) {
            case 0 -> CONTRACT.check(bytes, () -> {
                IdentifyInfo info = IdentifyInfo.decode(bytes);
                info.listenAddrs().forEach(a -> a.peerId());
            });
            case 1 -> CONTRACT.check(bytes, () -> Multiaddr.parse(Multiaddr.fromBytes(bytes).toString()));
            default -> {
                String text = new String(bytes, StandardCharsets.UTF_8);
                CONTRACT.check(bytes, () -> Multiaddr.parse(text).toBytes());
                CONTRACT.check(bytes, () -> PeerId.parse(text));
            }
        }
    }

    @Override
    public List<byte[]> seeds() {
        String peer = "12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN";
        Multiaddr a = Multiaddr.parse("/ip4/127.0.0.1/tcp/4001/p2p/" + peer);
        Multiaddr b = Multiaddr.parse("/ip6/::1/tcp/4002");
        byte[] key = PeerId.encodeEd25519PublicKey(new byte[32]);
        IdentifyInfo info = new IdentifyInfo("ipfs/0.1.0", "rhizome/0.1", key, List.of(a, b), Optional.of(b), List.of("/rhizome/sync/1.0.0"));
        return List.of(prefixed(0, info.encode()), prefixed(1, a.toBytes()), prefixed(2, a.toString().getBytes(StandardCharsets.UTF_8)),
                prefixed(2, peer.getBytes(StandardCharsets.UTF_8)));
    }

    private static byte[] prefixed(int selector, byte[] bytes) {
        byte[] out = new byte[bytes.length + 1];
        out[0] = (byte) selector;
        System.arraycopy(bytes, 0, out, 1, bytes.length);
        return out;
    }
}

package io.rhizome.transport.libp2p.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.rhizome.transport.libp2p.internal.multiformats.Base58;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.multiformats.MultiformatException;
import io.rhizome.transport.libp2p.internal.multiformats.PeerId;
import io.rhizome.transport.libp2p.internal.multiformats.Varint;

/** Varints, multiaddrs and peer ids; expected bytes were produced by js-libp2p's @multiformats/multiaddr and @libp2p/peer-id. */
class MultiformatsTest {

    private static final String ED_PEER = "12D3KooWJ1TsijH7H5F74hfAD5XishQz3sxrmAtVY37GtNd9CqYf";
    private static final String ED_KEY = "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664";

    @ParameterizedTest
    @CsvSource({"0,00", "1,01", "127,7f", "128,8001", "255,ff01", "300,ac02", "16384,808001",
            "9223372036854775807,ffffffffffffffff7f"})
    void varintEncodesPerSpec(long value, String hex) {
        assertEquals(hex, Hex.of(Varint.encode(value)));
        long[] decoded = Varint.decode(Hex.bytes(hex), 0);
        assertEquals(value, decoded[0]);
        assertEquals(hex.length() / 2, decoded[1]);
        ByteBuf b = Unpooled.wrappedBuffer(Hex.bytes(hex));
        assertEquals(value, Varint.peek(b));
    }

    @ParameterizedTest
    @ValueSource(strings = {"8000", "ff00", "ffffffffffffffffff01", "80"})
    void varintRejectsNonMinimalOverlongAndTruncated(String hex) {
        assertThrows(MultiformatException.class, () -> Varint.decode(Hex.bytes(hex), 0));
    }

    @Test
    void varintPeekWaitsForMoreBytes() {
        assertEquals(Varint.INCOMPLETE, Varint.peek(Unpooled.wrappedBuffer(new byte[] {(byte) 0x80})));
        assertThrows(MultiformatException.class, () -> Varint.encode(-1));
    }

    @Test
    void ed25519PeerIdTextForms() {
        PeerId id = PeerId.fromEd25519(Hex.bytes(ED_KEY));
        assertEquals(ED_PEER, id.toBase58());
        assertEquals("bafzaajaiaejca6nvkyxi7zsu7fahrmis5cuyxj4qd6ctvzuvx3l6by4rbowqjfte", id.toCidString());
        assertEquals(id, PeerId.parse(ED_PEER));
        assertEquals(id, PeerId.parse(id.toCidString()));
        assertEquals("0024080112" + "20" + ED_KEY, Hex.of(id.multihash()));
        assertArrayEquals(Hex.bytes(ED_KEY), id.ed25519PublicKey().orElseThrow());
    }

    @Test
    void sha256PeerIdParsesButHasNoEmbeddedKey() {
        PeerId rsa = PeerId.parse("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N");
        assertTrue(rsa.ed25519PublicKey().isEmpty());
        assertEquals("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N", rsa.toBase58());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "12D3KooW0OIl", "xyz", "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi", "1111"})
    void badPeerIdsAreRejected(String text) {
        assertThrows(MultiformatException.class, () -> PeerId.parse(text));
    }

    @Test
    void base58RoundTripKeepsLeadingZeros() {
        byte[] b = {0, 0, 1, 2, (byte) 255};
        assertArrayEquals(b, Base58.decode(Base58.encode(b)));
        assertEquals("11", Base58.encode(new byte[2]));
    }

    @ParameterizedTest
    @CsvSource(delimiter = ' ', value = {
        "/ip4/127.0.0.1/tcp/4001 047f000001060fa1",
        "/ip6/::1/tcp/443 29000000000000000000000000000000010601bb",
        "/ip6/2001:db8::ff00:42:8329/tcp/80 2920010db8000000000000ff0000428329060050",
        "/dns4/example.com/tcp/4001/p2p/12D3KooWJ1TsijH7H5F74hfAD5XishQz3sxrmAtVY37GtNd9CqYf 360b6578616d706c652e636f6d060fa1a5032600240801122079b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664",
        "/dns/localhost/tcp/1 35096c6f63616c686f7374060001",
        "/dns6/a.b/tcp/65535 3703612e6206ffff",
        "/ip4/10.0.0.1/tcp/0/p2p/QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N 040a000001060000a5032212209dff3b17d74cf4d38a50d8b6383e92d181a10395a5e73a726dcccbd21bf6f0b9"})
    void multiaddrTextAndBinaryMatchJsMultiaddr(String text, String hex) {
        Multiaddr m = Multiaddr.parse(text);
        assertEquals(hex, Hex.of(m.toBytes()));
        assertEquals(text, m.toString());
        assertEquals(m, Multiaddr.fromBytes(Hex.bytes(hex)));
    }

    @Test
    void multiaddrPeerIdHelpers() {
        Multiaddr m = Multiaddr.parse("/ip4/127.0.0.1/tcp/4001/ipfs/" + ED_PEER);
        assertEquals(ED_PEER, m.peerId().orElseThrow().toBase58());
        assertEquals("/ip4/127.0.0.1/tcp/4001", m.withoutPeerId().toString());
        assertEquals("/ip4/127.0.0.1/tcp/4001/p2p/" + ED_PEER, m.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "ip4/1.2.3.4", "/ip4/1.2.3", "/ip4/256.0.0.1/tcp/1", "/ip4/01.2.3.4", "/tcp/70000",
        "/ip4/1.2.3.4/tcp", "/ip6/1.2.3.4", "/quic/1", "/p2p/notapeer", "/dns4//tcp/1", "//"})
    void badMultiaddrTextIsRejected(String text) {
        assertThrows(MultiformatException.class, () -> Multiaddr.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"04", "047f0000", "0601", "a50326", "ff", "3505616263"})
    void badMultiaddrBytesAreRejected(String hex) {
        assertThrows(MultiformatException.class, () -> Multiaddr.fromBytes(Hex.bytes(hex)));
    }
}

package io.rhizome.transport.libp2p.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.rhizome.transport.libp2p.internal.KeyServiceSigner;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.multiformats.MultiformatException;
import io.rhizome.transport.libp2p.internal.multiformats.PeerId;
import io.rhizome.transport.libp2p.internal.relay.CircuitMessage;
import io.rhizome.transport.libp2p.internal.relay.ReservationVoucher;
import io.rhizome.transport.libp2p.internal.relay.SignedEnvelope;

/** Circuit relay v2 messages, the reservation voucher (a signed envelope) and /p2p-circuit addresses. */
class RelayMessagesTest {

    private final KeyServiceSigner relayKey = new KeyServiceSigner(TestKeys.random());
    private final PeerId relay = PeerId.fromEd25519(relayKey.publicKey());
    private final PeerId peer = PeerId.fromEd25519(new KeyServiceSigner(TestKeys.random()).publicKey());

    @Test
    void circuitAddressesParsePrintAndEncode() {
        String text = "/ip4/127.0.0.1/tcp/4001/p2p/" + relay + "/p2p-circuit/p2p/" + peer;
        Multiaddr m = Multiaddr.parse(text);
        assertEquals(text, m.toString());
        assertEquals(m, Multiaddr.fromBytes(m.toBytes()));
        assertEquals(peer, m.peerId().orElseThrow());
        assertTrue(m.first(Multiaddr.Protocol.P2P_CIRCUIT).isPresent());
        // 0x0122 as a varint, no value
        assertTrue(Hex.of(Multiaddr.parse("/p2p-circuit").toBytes()).equals("a202"), Hex.of(Multiaddr.parse("/p2p-circuit").toBytes()));
    }

    @Test
    void hopAndStopMessagesRoundTrip() {
        CircuitMessage.Reservation r = new CircuitMessage.Reservation(1_900_000_000L,
                List.of(Multiaddr.parse("/ip4/10.0.0.1/tcp/4001/p2p/" + relay)), Optional.of(new byte[] {1, 2, 3}));
        CircuitMessage status = CircuitMessage.hopStatus(CircuitMessage.Status.OK, Optional.of(r),
                Optional.of(new CircuitMessage.Limit(120, 131072)));
        CircuitMessage back = CircuitMessage.decode(true, status.encode());
        assertEquals(CircuitMessage.HOP_STATUS, back.type());
        assertEquals(CircuitMessage.Status.OK, back.status().orElseThrow());
        assertEquals(1_900_000_000L, back.reservation().orElseThrow().expireEpochSeconds());
        assertEquals(r.addrs(), back.reservation().orElseThrow().addrs());
        assertArrayEquals(new byte[] {1, 2, 3}, back.reservation().orElseThrow().voucher().orElseThrow());
        assertEquals(new CircuitMessage.Limit(120, 131072), back.limit().orElseThrow());

        CircuitMessage stop = CircuitMessage.decode(false, CircuitMessage.stopConnect(peer, Optional.empty()).encode());
        assertEquals(CircuitMessage.STOP_CONNECT, stop.type());
        assertEquals(peer, stop.peer().orElseThrow().id());
        // STATUS RESERVATION_REFUSED on the wire: field 1 = 2, field 5 = 200
        assertEquals("0802" + "28c801", Hex.of(CircuitMessage.hopStatus(CircuitMessage.Status.RESERVATION_REFUSED,
                Optional.empty(), Optional.empty()).encode()));
    }

    @Test
    void malformedMessagesAreRefused() {
        assertThrows(MultiformatException.class, () -> CircuitMessage.decode(true, new byte[] {0x08, 0x07}), "unknown type");
        assertThrows(MultiformatException.class, () -> CircuitMessage.decode(true, new byte[] {0x12, 0x05, 0x01}), "truncated peer");
        assertThrows(MultiformatException.class, () -> CircuitMessage.decode(false, new byte[] {0x08, 0x01, 0x20, 0x63}),
                "status 99 is not a status");
        assertThrows(MultiformatException.class, () -> CircuitMessage.decode(true, new byte[0]), "no type");
    }

    @Test
    void voucherIsASignedEnvelopeThatDetectsTampering() {
        ReservationVoucher v = new ReservationVoucher(relay, peer, 1_900_000_000L);
        byte[] envelope = v.sign(relayKey);
        assertEquals(v, ReservationVoucher.verify(envelope));

        SignedEnvelope e = SignedEnvelope.decode(envelope);
        assertArrayEquals(new byte[] {0x03, 0x02}, e.payloadType(), "record type 0x0302, as go- and js-libp2p write it");
        byte[] tampered = e.payload();
        tampered[tampered.length - 1] ^= 1;
        byte[] forged = new SignedEnvelope(e.publicKey(), e.payloadType(), tampered, e.signature()).encode();
        assertThrows(MultiformatException.class, () -> ReservationVoucher.verify(forged));

        // a voucher naming a relay other than its signer is no voucher of that relay
        byte[] other = new ReservationVoucher(peer, peer, 1L).sign(relayKey);
        assertThrows(MultiformatException.class, () -> ReservationVoucher.verify(other));
    }
}

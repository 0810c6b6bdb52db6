package io.rhizome.transport.libp2p.internal.relay;

import io.rhizome.transport.libp2p.internal.multiformats.MultiformatException;
import io.rhizome.transport.libp2p.internal.multiformats.PeerId;
import io.rhizome.transport.libp2p.internal.multiformats.Protobuf;
import io.rhizome.transport.libp2p.internal.noise.IdentitySigner;

/**
 * The relay's signed promise of a reservation (circuit-v2 "Reservation Vouchers"): a signed
 * envelope in domain {@code libp2p-relay-rsvp}, record type 0x0302, whose payload is
 * {@code Voucher {relay = 1, peer = 2, expiration = 3}} written in field order.
 */
public record ReservationVoucher(PeerId relay, PeerId peer, long expirationEpochSeconds) {

    public static final String DOMAIN = "libp2p-relay-rsvp";
    /**
     * The multicodec 0x0302 as its two big-endian bytes, not as a varint: what go-libp2p and
     * js-libp2p put in the envelope, so what a voucher must carry to be verifiable by them.
     */
    public static final byte[] RECORD_TYPE = {0x03, 0x02};

    public byte[] payload() {
        return new Protobuf.Writer().bytes(1, relay.multihash()).bytes(2, peer.multihash())
                .varint(3, expirationEpochSeconds).toByteArray();
    }

    /** The envelope bytes, signed with the relay's identity key. */
    public byte[] sign(IdentitySigner relayIdentity) {
        return SignedEnvelope.sign(relayIdentity, DOMAIN, RECORD_TYPE, payload()).encode();
    }

    /**
     * Opens and checks a voucher: the signature, the type, and that the relay named inside is the
     * key that signed it.
     */
    public static ReservationVoucher verify(byte[] envelopeBytes) {
        SignedEnvelope envelope = SignedEnvelope.decode(envelopeBytes);
        byte[] payload = envelope.open(DOMAIN, RECORD_TYPE);
        PeerId relay = null;
        PeerId peer = null;
        Long expiration = null;
        for (Protobuf.Field f : Protobuf.decode(payload)) {
            switch (f.number()) {
                case 1 -> relay = f.wireType() == 2 ? new PeerId(f.bytes()) : null;
                case 2 -> peer = f.wireType() == 2 ? new PeerId(f.bytes()) : null;
                case 3 -> expiration = f.wireType() == 0 ? f.value() : null;
                default -> {
                }
            }
        }
        if (relay == null || peer == null || expiration == null) {
            throw new MultiformatException("reservation voucher lacks its relay, peer or expiration");
        }
        if (!relay.equals(envelope.signer())) {
            throw new MultiformatException("reservation voucher for relay " + relay + " is signed by " + envelope.signer());
        }
        return new ReservationVoucher(relay, peer, expiration);
    }
}

package io.rhizome.transport.libp2p.internal.relay;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

import io.rhizome.transport.libp2p.internal.multiformats.MultiformatException;
import io.rhizome.transport.libp2p.internal.multiformats.PeerId;
import io.rhizome.transport.libp2p.internal.multiformats.Protobuf;
import io.rhizome.transport.libp2p.internal.multiformats.Varint;
import io.rhizome.transport.libp2p.internal.noise.IdentitySigner;

/**
 * A libp2p signed envelope (RFC 0002): a payload, its multicodec type, the signer's public key and
 * an Ed25519 signature over the domain string, the type and the payload, each prefixed with its
 * unsigned-varint length. Only Ed25519 signers, the only keys Rhizome peers have.
 *
 * @param publicKey   the protobuf-encoded libp2p PublicKey of the signer
 */
public record SignedEnvelope(byte[] publicKey, byte[] payloadType, byte[] payload, byte[] signature) {

    public static SignedEnvelope sign(IdentitySigner signer, String domain, byte[] payloadType, byte[] payload) {
        try {
            return new SignedEnvelope(PeerId.encodeEd25519PublicKey(signer.publicKey()), payloadType.clone(), payload.clone(),
                    signer.sign(signedData(domain, payloadType, payload)));
        } catch (Exception e) {
            throw new IllegalStateException("cannot sign a " + domain + " envelope with the identity key: " + e.getMessage(), e);
        }
    }

    public PeerId signer() {
        return PeerId.fromEd25519(PeerId.decodeEd25519PublicKey(publicKey));
    }

    /**
     * The payload, once the signature verifies for {@code domain} and the type is {@code expectedType}.
     *
     * @throws MultiformatException naming what does not match
     */
    public byte[] open(String domain, byte[] expectedType) {
        if (!Arrays.equals(payloadType, expectedType)) {
            throw new MultiformatException("envelope payload type does not match the " + domain + " record type");
        }
        Ed25519Signer verifier = new Ed25519Signer();
        verifier.init(false, new Ed25519PublicKeyParameters(PeerId.decodeEd25519PublicKey(publicKey), 0));
        byte[] data = signedData(domain, payloadType, payload);
        verifier.update(data, 0, data.length);
        if (!verifier.verifySignature(signature)) {
            throw new MultiformatException("envelope signature does not verify for domain " + domain);
        }
        return payload.clone();
    }

    public byte[] encode() {
        return new Protobuf.Writer().bytes(1, publicKey).bytes(2, payloadType).bytes(3, payload).bytes(5, signature)
                .toByteArray();
    }

    public static SignedEnvelope decode(byte[] b) {
        byte[] key = null;
        byte[] type = null;
        byte[] payload = null;
        byte[] sig = null;
        for (Protobuf.Field f : Protobuf.decode(b)) {
            if (f.wireType() != 2) {
                continue;
            }
            switch (f.number()) {
                case 1 -> key = f.bytes();
                case 2 -> type = f.bytes();
                case 3 -> payload = f.bytes();
                case 5 -> sig = f.bytes();
                default -> {
                }
            }
        }
        if (key == null || type == null || payload == null || sig == null) {
            throw new MultiformatException("signed envelope lacks its key, type, payload or signature");
        }
        return new SignedEnvelope(key, type, payload, sig);
    }

    static byte[] signedData(String domain, byte[] payloadType, byte[] payload) {
        byte[] d = domain.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : new byte[][] {d, payloadType, payload}) {
            out.writeBytes(Varint.encode(part.length));
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}

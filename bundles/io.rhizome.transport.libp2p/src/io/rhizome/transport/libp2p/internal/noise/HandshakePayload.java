package io.rhizome.transport.libp2p.internal.noise;

import java.nio.charset.StandardCharsets;

import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

import io.rhizome.transport.libp2p.internal.multiformats.MultiformatException;
import io.rhizome.transport.libp2p.internal.multiformats.PeerId;
import io.rhizome.transport.libp2p.internal.multiformats.Protobuf;

/**
 * The libp2p Noise handshake payload (protobuf NoiseHandshakePayload): the identity key (libp2p
 * PublicKey protobuf) and its signature over {@code "noise-libp2p-static-key:" + static key}.
 * Extensions (field 4) are accepted on input and never sent, so the muxer is negotiated with
 * multistream-select afterwards.
 */
public record HandshakePayload(byte[] identityKey, byte[] identitySig) {

    public static final String SIGNATURE_PREFIX = "noise-libp2p-static-key:";

    public byte[] encode() {
        return new Protobuf.Writer().bytes(1, identityKey).bytes(2, identitySig).toByteArray();
    }

    public static byte[] signedData(byte[] noiseStaticPublicKey) {
        byte[] prefix = SIGNATURE_PREFIX.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[prefix.length + noiseStaticPublicKey.length];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        System.arraycopy(noiseStaticPublicKey, 0, out, prefix.length, noiseStaticPublicKey.length);
        return out;
    }

    public static HandshakePayload decode(byte[] bytes) throws NoiseException {
        byte[] key = null;
        byte[] sig = null;
        try {
            for (Protobuf.Field f : Protobuf.decode(bytes)) {
                if (f.number() == 1 && f.wireType() == 2) {
                    key = f.bytes();
                } else if (f.number() == 2 && f.wireType() == 2) {
                    sig = f.bytes();
                }
            }
        } catch (MultiformatException e) {
            throw new NoiseException("malformed Noise handshake payload: " + e.getMessage());
        }
        if (key == null || sig == null) {
            throw new NoiseException("Noise handshake payload lacks the identity key or signature");
        }
        return new HandshakePayload(key, sig);
    }

    /**
     * Checks the signature against the remote Noise static key and returns the authenticated peer.
     *
     * @throws NoiseException if the key is not Ed25519 or the signature does not verify
     */
    public PeerId verify(byte[] remoteStaticKey) throws NoiseException {
        byte[] ed;
        try {
            ed = PeerId.decodeEd25519PublicKey(identityKey);
        } catch (MultiformatException e) {
            throw new NoiseException("remote identity key rejected: " + e.getMessage());
        }
        Ed25519PublicKeyParameters key;
        try {
            key = new Ed25519PublicKeyParameters(ed, 0);
        } catch (IllegalArgumentException e) {
            // 32 bytes that are not a point on the curve: Bouncy Castle refuses them when parsing
            throw new NoiseException("remote identity key rejected: not an Ed25519 public key (" + e.getMessage() + ")");
        }
        Ed25519Signer verifier = new Ed25519Signer();
        verifier.init(false, key);
        byte[] data = signedData(remoteStaticKey);
        verifier.update(data, 0, data.length);
        if (!verifier.verifySignature(identitySig)) {
            throw new NoiseException("identity signature over the Noise static key does not verify");
        }
        return PeerId.fromEd25519(ed);
    }
}

package io.rhizome.transport.libp2p.internal.noise;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

import io.rhizome.fuzz.Contract;
import io.rhizome.fuzz.Target;
import io.rhizome.transport.libp2p.internal.multiformats.PeerId;

/**
 * The Noise XX handshake (libp2p's {@code /noise}) as a remote drives it, whose documented error is
 * {@link NoiseException}. The first input byte picks: 0, the responder reading message A; 1, the
 * initiator reading message B (after sending A), and then the handshake payload in it decoded and
 * verified against the remote static key; 2, a handshake payload (protobuf: identity key and
 * signature) decoded and verified, as it arrives inside message B or C. Keys are fixed, so a run
 * is reproducible.
 */
public final class NoiseFuzz implements Target {

    private static final byte[] STATIC_A = key(1);
    private static final byte[] EPHEMERAL_A = key(2);
    private static final byte[] STATIC_B = key(3);
    private static final byte[] EPHEMERAL_B = key(4);
    private static final Contract CONTRACT = Contract.typed(NoiseException.class);

    public static void fuzzerTestOneInput(byte[] input) {
        if (input.length == 0) {
            return;
        }
        byte[] bytes = Arrays.copyOfRange(input, 1, input.length);
        switch ((input[0] & 0xFF) % 3) {
            case 0 -> CONTRACT.check(bytes, () -> new NoiseXX(false, STATIC_B, EPHEMERAL_B).readMessageA(bytes));
            case 1 -> CONTRACT.check(bytes, () -> {
                NoiseXX initiator = new NoiseXX(true, STATIC_A, EPHEMERAL_A);
                initiator.writeMessageA(new byte[0]);
                byte[] payload = initiator.readMessageB(bytes);
                HandshakePayload.decode(payload).verify(initiator.remoteStaticPublicKey());
            });
            default -> CONTRACT.check(bytes, () -> HandshakePayload.decode(bytes).verify(NoiseXX.publicKey(STATIC_B)));
        }
    }

    private static byte[] key(int fill) {
        byte[] k = new byte[32];
        Arrays.fill(k, (byte) (fill * 17));
        return k;
    }

    /** A real handshake's messages A and B, and the payloads in it. */
    @Override
    public List<byte[]> seeds() throws Exception {
        Ed25519PrivateKeyParameters identity = new Ed25519PrivateKeyParameters(key(5), 0);
        NoiseXX initiator = new NoiseXX(true, STATIC_A, EPHEMERAL_A);
        NoiseXX responder = new NoiseXX(false, STATIC_B, EPHEMERAL_B);
        byte[] a = initiator.writeMessageA(new byte[0]);
        responder.readMessageA(a);
        byte[] payload = payload(identity, NoiseXX.publicKey(STATIC_B));
        byte[] b = responder.writeMessageB(payload);
        List<byte[]> out = new ArrayList<>();
        out.add(prefixed(0, a));
        out.add(prefixed(1, b));
        out.add(prefixed(2, payload));
        return out;
    }

    static byte[] payload(Ed25519PrivateKeyParameters identity, byte[] noiseStatic) {
        byte[] data = HandshakePayload.signedData(noiseStatic);
        Ed25519Signer signer = new Ed25519Signer();
        signer.init(true, identity);
        signer.update(data, 0, data.length);
        return new HandshakePayload(PeerId.encodeEd25519PublicKey(identity.generatePublicKey().getEncoded()), signer.generateSignature()).encode();
    }

    private static byte[] prefixed(int selector, byte[] bytes) {
        byte[] out = new byte[bytes.length + 1];
        out[0] = (byte) selector;
        System.arraycopy(bytes, 0, out, 1, bytes.length);
        return out;
    }
}

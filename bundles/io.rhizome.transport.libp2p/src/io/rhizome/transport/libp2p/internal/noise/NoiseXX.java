package io.rhizome.transport.libp2p.internal.noise;

import java.security.SecureRandom;
import java.util.Arrays;

import org.bouncycastle.math.ec.rfc7748.X25519;

/**
 * The Noise_XX_25519_ChaChaPoly_SHA256 handshake with an empty prologue, as libp2p uses it:
 * <pre>
 *  -> e
 *  <- e, ee, s, es
 *  -> s, se
 * </pre>
 * One instance per handshake, used from one thread. Message payloads are the raw bytes given by the
 * caller (libp2p puts its {@link HandshakePayload} in messages 2 and 3).
 */
public final class NoiseXX {

    public static final String PROTOCOL_NAME = "Noise_XX_25519_ChaChaPoly_SHA256";
    private static final int DHLEN = 32;

    private final boolean initiator;
    private final SymmetricState ss = new SymmetricState(PROTOCOL_NAME);
    private final byte[] s;
    private final byte[] sPub;
    private final byte[] e;
    private final byte[] ePub;
    private byte[] re;
    private byte[] rs;
    private int step;

    /**
     * @param staticPrivate our X25519 static private key
     * @param ephemeralPrivate the ephemeral private key; pass fixed bytes only in known-answer tests
     */
    public NoiseXX(boolean initiator, byte[] staticPrivate, byte[] ephemeralPrivate) {
        this.initiator = initiator;
        this.s = staticPrivate.clone();
        this.sPub = publicKey(s);
        this.e = ephemeralPrivate.clone();
        this.ePub = publicKey(e);
        ss.mixHash(new byte[0]); // empty prologue
    }

    public NoiseXX(boolean initiator, byte[] staticPrivate, SecureRandom random) {
        this(initiator, staticPrivate, generatePrivateKey(random));
    }

    public static byte[] generatePrivateKey(SecureRandom random) {
        byte[] k = new byte[X25519.SCALAR_SIZE];
        X25519.generatePrivateKey(random, k);
        return k;
    }

    public static byte[] publicKey(byte[] privateKey) {
        byte[] pub = new byte[X25519.POINT_SIZE];
        X25519.generatePublicKey(privateKey, 0, pub, 0);
        return pub;
    }

    public boolean isInitiator() {
        return initiator;
    }

    public byte[] localStaticPublicKey() {
        return sPub.clone();
    }

    /** The remote static key, once received (after message 2 for the initiator, 3 for the responder). */
    public byte[] remoteStaticPublicKey() {
        if (rs == null) {
            throw new IllegalStateException("remote static key not received yet");
        }
        return rs.clone();
    }

    /** Message 1 (initiator): e. */
    public byte[] writeMessageA(byte[] payload) throws NoiseException {
        expect(0, true);
        ss.mixHash(ePub);
        byte[] ct = ss.encryptAndHash(payload);
        step = 1;
        return concat(ePub, ct);
    }

    public byte[] readMessageA(byte[] message) throws NoiseException {
        expect(0, false);
        if (message.length < DHLEN) {
            throw new NoiseException("handshake message 1 too short: " + message.length + " bytes");
        }
        re = Arrays.copyOfRange(message, 0, DHLEN);
        ss.mixHash(re);
        byte[] pt = ss.decryptAndHash(Arrays.copyOfRange(message, DHLEN, message.length));
        step = 1;
        return pt;
    }

    /** Message 2 (responder): e, ee, s, es. */
    public byte[] writeMessageB(byte[] payload) throws NoiseException {
        expect(1, false);
        ss.mixHash(ePub);
        ss.mixKey(dh(e, re));
        byte[] encS = ss.encryptAndHash(sPub);
        ss.mixKey(dh(s, re));
        byte[] ct = ss.encryptAndHash(payload);
        step = 2;
        return concat(ePub, concat(encS, ct));
    }

    public byte[] readMessageB(byte[] message) throws NoiseException {
        expect(1, true);
        int sLen = DHLEN + CipherState.TAG_LENGTH;
        if (message.length < DHLEN + sLen + CipherState.TAG_LENGTH) {
            throw new NoiseException("handshake message 2 too short: " + message.length + " bytes");
        }
        re = Arrays.copyOfRange(message, 0, DHLEN);
        ss.mixHash(re);
        ss.mixKey(dh(e, re));
        rs = ss.decryptAndHash(Arrays.copyOfRange(message, DHLEN, DHLEN + sLen));
        ss.mixKey(dh(e, rs));
        byte[] pt = ss.decryptAndHash(Arrays.copyOfRange(message, DHLEN + sLen, message.length));
        step = 2;
        return pt;
    }

    /** Message 3 (initiator): s, se. */
    public byte[] writeMessageC(byte[] payload) throws NoiseException {
        expect(2, true);
        byte[] encS = ss.encryptAndHash(sPub);
        ss.mixKey(dh(s, re));
        byte[] ct = ss.encryptAndHash(payload);
        step = 3;
        return concat(encS, ct);
    }

    public byte[] readMessageC(byte[] message) throws NoiseException {
        expect(2, false);
        int sLen = DHLEN + CipherState.TAG_LENGTH;
        if (message.length < sLen + CipherState.TAG_LENGTH) {
            throw new NoiseException("handshake message 3 too short: " + message.length + " bytes");
        }
        rs = ss.decryptAndHash(Arrays.copyOfRange(message, 0, sLen));
        ss.mixKey(dh(e, rs));
        byte[] pt = ss.decryptAndHash(Arrays.copyOfRange(message, sLen, message.length));
        step = 3;
        return pt;
    }

    /** Whether the responder has read message 1. */
    public boolean remoteEphemeralReceived() {
        return re != null;
    }

    public boolean isComplete() {
        return step == 3;
    }

    /** After the handshake: {sending, receiving} cipher states for this side. */
    public CipherState[] split() {
        if (step != 3) {
            throw new IllegalStateException("handshake not complete");
        }
        CipherState[] c = ss.split();
        return initiator ? new CipherState[] {c[0], c[1]} : new CipherState[] {c[1], c[0]};
    }

    public byte[] handshakeHash() {
        return ss.handshakeHash();
    }

    private void expect(int expectedStep, boolean requiredInitiator) {
        if (step != expectedStep || initiator != requiredInitiator) {
            throw new IllegalStateException("handshake message out of order (step " + step + ")");
        }
    }

    private static byte[] dh(byte[] priv, byte[] pub) throws NoiseException {
        byte[] out = new byte[DHLEN];
        if (!X25519.calculateAgreement(priv, 0, pub, 0, out, 0)) {
            throw new NoiseException("invalid X25519 public key (low order point)");
        }
        return out;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}

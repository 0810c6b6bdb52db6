package io.rhizome.transport.libp2p.internal.noise;

import java.nio.charset.StandardCharsets;

import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.KeyParameter;

/** Noise SymmetricState for SHA-256: chaining key, handshake hash and the handshake cipher. */
final class SymmetricState {

    private static final int HASHLEN = 32;
    private byte[] ck;
    private byte[] h;
    private final CipherState cipher = new CipherState();

    SymmetricState(String protocolName) {
        byte[] name = protocolName.getBytes(StandardCharsets.US_ASCII);
        if (name.length <= HASHLEN) {
            h = new byte[HASHLEN];
            System.arraycopy(name, 0, h, 0, name.length);
        } else {
            h = sha256(name);
        }
        ck = h.clone();
    }

    void mixKey(byte[] ikm) {
        byte[][] out = hkdf(ck, ikm);
        ck = out[0];
        cipher.initializeKey(out[1]);
    }

    void mixHash(byte[] data) {
        SHA256Digest d = new SHA256Digest();
        d.update(h, 0, h.length);
        d.update(data, 0, data.length);
        byte[] out = new byte[HASHLEN];
        d.doFinal(out, 0);
        h = out;
    }

    byte[] encryptAndHash(byte[] plaintext) throws NoiseException {
        byte[] ct = cipher.encryptWithAd(h, plaintext);
        mixHash(ct);
        return ct;
    }

    byte[] decryptAndHash(byte[] ciphertext) throws NoiseException {
        byte[] pt = cipher.decryptWithAd(h, ciphertext);
        mixHash(ciphertext);
        return pt;
    }

    boolean hasKey() {
        return cipher.hasKey();
    }

    byte[] handshakeHash() {
        return h.clone();
    }

    CipherState[] split() {
        byte[][] out = hkdf(ck, new byte[0]);
        return new CipherState[] {new CipherState(out[0]), new CipherState(out[1])};
    }

    private static byte[][] hkdf(byte[] chainingKey, byte[] ikm) {
        byte[] tempKey = hmac(chainingKey, ikm);
        byte[] out1 = hmac(tempKey, new byte[] {1});
        byte[] in2 = new byte[HASHLEN + 1];
        System.arraycopy(out1, 0, in2, 0, HASHLEN);
        in2[HASHLEN] = 2;
        byte[] out2 = hmac(tempKey, in2);
        return new byte[][] {out1, out2};
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        HMac mac = new HMac(new SHA256Digest());
        mac.init(new KeyParameter(key));
        mac.update(data, 0, data.length);
        byte[] out = new byte[HASHLEN];
        mac.doFinal(out, 0);
        return out;
    }

    private static byte[] sha256(byte[] data) {
        SHA256Digest d = new SHA256Digest();
        d.update(data, 0, data.length);
        byte[] out = new byte[HASHLEN];
        d.doFinal(out, 0);
        return out;
    }
}

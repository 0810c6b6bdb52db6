package io.rhizome.hub.internal;

import java.util.Base64;
import java.util.Optional;

import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/** Ed25519 (RFC 8032) signatures of the hub protocol; a device id is its base64url public key. */
public final class Ed25519 {

    private Ed25519() {
    }

    /** The public key a device id stands for; empty if the id is not a 32-byte base64url key. */
    public static Optional<byte[]> publicKey(String deviceId) {
        try {
            byte[] k = Base64.getUrlDecoder().decode(deviceId);
            return k.length == Ed25519PublicKeyParameters.KEY_SIZE ? Optional.of(k) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    public static boolean verify(String deviceId, byte[] message, byte[] signature) {
        Optional<byte[]> key = publicKey(deviceId);
        if (key.isEmpty() || signature.length != Ed25519PrivateKeyParameters.SIGNATURE_SIZE) {
            return false;
        }
        Ed25519Signer v = new Ed25519Signer();
        v.init(false, new Ed25519PublicKeyParameters(key.get(), 0));
        v.update(message, 0, message.length);
        return v.verifySignature(signature);
    }

    static byte[] sign(byte[] seed, byte[] message) {
        Ed25519Signer s = new Ed25519Signer();
        s.init(true, new Ed25519PrivateKeyParameters(seed, 0));
        s.update(message, 0, message.length);
        return s.generateSignature();
    }

    static byte[] publicKeyOf(byte[] seed) {
        return new Ed25519PrivateKeyParameters(seed, 0).generatePublicKey().getEncoded();
    }
}

package io.rhizome.policy.enterprise.tests;

import java.security.SecureRandom;
import java.util.Base64;

import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

import io.rhizome.policy.enterprise.internal.statement.SignatureCheck;

/** A device identity for tests: an Ed25519 key pair and its device id (the public key, base64url), as KeyService makes them. */
public final class DeviceKeys {

    private static final SecureRandom RANDOM = new SecureRandom();

    /** Verifies like the node does: the device id is the public key. */
    public static final SignatureCheck CHECK = (device, message, signature) -> {
        try {
            byte[] pub = Base64.getUrlDecoder().decode(device);
            if (pub.length != Ed25519PublicKeyParameters.KEY_SIZE || signature.length != Ed25519PrivateKeyParameters.SIGNATURE_SIZE) {
                return false;
            }
            Ed25519Signer v = new Ed25519Signer();
            v.init(false, new Ed25519PublicKeyParameters(pub, 0));
            v.update(message, 0, message.length);
            return v.verifySignature(signature);
        } catch (IllegalArgumentException e) {
            return false;
        }
    };

    private final Ed25519PrivateKeyParameters key = new Ed25519PrivateKeyParameters(RANDOM);

    public String device() {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(key.generatePublicKey().getEncoded());
    }

    public byte[] sign(byte[] message) {
        Ed25519Signer s = new Ed25519Signer();
        s.init(true, key);
        s.update(message, 0, message.length);
        return s.generateSignature();
    }
}

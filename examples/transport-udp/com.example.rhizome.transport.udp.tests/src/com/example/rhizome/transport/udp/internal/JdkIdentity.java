package com.example.rhizome.transport.udp.internal;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;

/** A device identity for tests: an Ed25519 key pair of the JDK (in the node it is the KeyService). */
final class JdkIdentity implements Identity {

    private final KeyPair pair;

    JdkIdentity() throws GeneralSecurityException {
        pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    }

    String deviceId() {
        return Crypto.deviceId(publicKey());
    }

    @Override
    public byte[] publicKey() {
        return Crypto.raw(pair.getPublic());
    }

    @Override
    public byte[] sign(byte[] message) throws GeneralSecurityException {
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(pair.getPrivate());
        s.update(message);
        return s.sign();
    }
}

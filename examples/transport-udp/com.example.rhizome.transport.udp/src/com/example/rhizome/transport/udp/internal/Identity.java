package com.example.rhizome.transport.udp.internal;

/**
 * Who this node is on the wire: the device's Ed25519 identity. In the node it is the
 * {@code KeyService} (the private key never leaves it); in tests, a key pair of the JDK.
 */
public interface Identity {

    /** The 32-byte Ed25519 public key; its base64url form (no padding) is the device id. */
    byte[] publicKey();

    /** An Ed25519 signature of {@code message} by the identity key. */
    byte[] sign(byte[] message) throws Exception;
}

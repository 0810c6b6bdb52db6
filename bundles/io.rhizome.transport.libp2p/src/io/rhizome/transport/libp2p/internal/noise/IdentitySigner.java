package io.rhizome.transport.libp2p.internal.noise;

/** The local Ed25519 identity, as the Noise handshake needs it. Thread-safe. */
public interface IdentitySigner {

    /** The 32-byte Ed25519 public key. */
    byte[] publicKey();

    /** An Ed25519 signature of {@code data} with the identity key. */
    byte[] sign(byte[] data) throws Exception;
}

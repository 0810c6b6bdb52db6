package io.rhizome.policy.enterprise.internal.statement;

/** Verifies a statement's Ed25519 signature by its signer device (whose id is its public key). Thread-safe. */
@FunctionalInterface
public interface SignatureCheck {

    /** Whether {@code signature} over {@code message} was made by the identity key of {@code device}; false for malformed input. */
    boolean verify(String device, byte[] message, byte[] signature);
}

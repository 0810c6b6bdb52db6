package io.rhizome.pairing.internal;

/** The other side broke the pairing protocol (malformed or out-of-order message). */
final class PairingProtocolException extends Exception {
    private static final long serialVersionUID = 1L;

    PairingProtocolException(String message) {
        super(message);
    }
}

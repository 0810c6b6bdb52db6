package io.rhizome.transport.libp2p.internal.multistream;

/** The multistream-select negotiation failed: malformed message, wrong header or no common protocol. */
public final class MultistreamException extends Exception {
    private static final long serialVersionUID = 1L;

    public MultistreamException(String message) {
        super(message);
    }
}

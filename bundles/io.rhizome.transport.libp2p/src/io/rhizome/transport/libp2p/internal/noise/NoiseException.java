package io.rhizome.transport.libp2p.internal.noise;

/** The Noise handshake or a transport message failed: bad MAC, bad key, bad payload or signature. */
public final class NoiseException extends Exception {
    private static final long serialVersionUID = 1L;

    public NoiseException(String message) {
        super(message);
    }

    public NoiseException(String message, Throwable cause) {
        super(message, cause);
    }
}

package io.rhizome.api;

/**
 * Why pairing or revoking failed. The message says it for a human; {@link #reason()} for a program.
 *
 * @since 0.1
 */
public class PairingException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Machine-readable reasons. */
    public enum Reason {
        /** The code is not of the form RZ-XXXX-XXXX-XXXX. */
        MALFORMED_CODE,
        /** The inviter refused the code (wrong code, or its invitation is used, expired or locked). */
        REFUSED,
        /** No inviter answered on the local network or at the given address in time. */
        NOT_FOUND,
        /** The address could not be reached, or the connection broke. */
        UNREACHABLE,
        /** This node already holds data of its own, sealed under its own mesh key. */
        NOT_EMPTY,
        /** No running transport can carry pairing. */
        NO_TRANSPORT,
        /** The other side broke the pairing protocol. */
        PROTOCOL,
        /** The device to revoke is not trusted. */
        UNKNOWN_PEER,
        /** Storing keys or the trusted-device list failed. */
        STORAGE
    }

    private final Reason reason;

    public PairingException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public PairingException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}

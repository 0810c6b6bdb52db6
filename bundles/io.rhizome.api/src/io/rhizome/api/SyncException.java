package io.rhizome.api;

/**
 * A request to the {@link SyncService} that cannot be carried out. The message says what was wrong
 * in words a person can act on; nothing was written.
 *
 * @since 0.1
 */
public class SyncException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why the request failed, machine-readable. */
    public enum Reason {
        UNKNOWN_NAMESPACE, NAMESPACE_UNAVAILABLE, WRONG_OPERATION, INVALID_VALUE, STORAGE, CLOSED,
        /** A value or a change set is larger than the documented maximum; nothing was written. */
        VALUE_TOO_LARGE,
        /** The request conflicts with what the namespace holds (e.g. a new type for a namespace with data). */
        CONFLICT,
        /** Peers refuse this node's change sets because its clock is beyond the drift limit. */
        CLOCK_SKEW
    }

    private final Reason reason;

    public SyncException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public SyncException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}

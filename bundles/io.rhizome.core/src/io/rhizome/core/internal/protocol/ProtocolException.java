package io.rhizome.core.internal.protocol;

/**
 * A message from a peer is not valid protocol: malformed, oversized, of an unknown type, or out
 * of place. The message says what was wrong; {@link #code()} is the protocol error code.
 */
public class ProtocolException extends Exception {
    private static final long serialVersionUID = 1L;

    public static final String MALFORMED = "malformed";
    public static final String TOO_LARGE = "too-large";
    public static final String VERSION = "version-mismatch";
    public static final String UNEXPECTED = "unexpected";
    public static final String UNKNOWN_NAMESPACE = "unknown-namespace";
    public static final String MISSING_DEPENDENCIES = "missing-dependencies";
    public static final String REFUSED = "refused";
    public static final String INVALID_CHANGE_SET = "invalid-change-set";
    public static final String UNAVAILABLE = "unavailable";
    /** A change set is stamped further ahead of the receiver's clock than the drift limit allows. */
    public static final String CLOCK_DRIFT = "clock-drift";
    /**
     * The receiver revoked the sender from the mesh and refuses its links (fatal). Believed by the
     * sender only from a device it trusts.
     */
    public static final String REVOKED = "revoked";

    private final String code;

    public ProtocolException(String code, String message) {
        super(message);
        this.code = code;
    }

    public ProtocolException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public String code() {
        return code;
    }
}

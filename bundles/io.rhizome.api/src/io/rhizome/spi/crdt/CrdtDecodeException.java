package io.rhizome.spi.crdt;

/**
 * Bytes given to a CRDT type are not a valid operation or state of that type (truncated,
 * malformed, hostile, or of another type). Whatever was being decoded was not applied.
 *
 * @since 0.1
 */
public class CrdtDecodeException extends Exception {
    private static final long serialVersionUID = 1L;

    public CrdtDecodeException(String message) {
        super(message);
    }

    public CrdtDecodeException(String message, Throwable cause) {
        super(message, cause);
    }
}

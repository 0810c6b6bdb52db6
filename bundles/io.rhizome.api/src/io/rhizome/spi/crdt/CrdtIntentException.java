package io.rhizome.spi.crdt;

/**
 * A local intent given to {@link CrdtReplica#mutate} is not one the type understands, or is not
 * valid for the current value. The message names the problem; nothing changed.
 *
 * @since 0.1
 */
public class CrdtIntentException extends Exception {
    private static final long serialVersionUID = 1L;

    public CrdtIntentException(String message) {
        super(message);
    }
}

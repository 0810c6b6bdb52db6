package io.rhizome.spi.store;

/**
 * The store could not carry out a request (I/O failure, corrupt file, closed store). The message
 * names the file and the problem. Nothing of the failed request was applied.
 *
 * @since 0.1
 */
public class StoreException extends Exception {
    private static final long serialVersionUID = 1L;

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}

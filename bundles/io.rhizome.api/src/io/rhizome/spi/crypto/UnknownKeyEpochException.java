package io.rhizome.spi.crypto;

/**
 * The data was sealed under a mesh key epoch this node does not have.
 *
 * @since 0.1
 */
public class UnknownKeyEpochException extends CryptoException {
    private static final long serialVersionUID = 1L;

    public UnknownKeyEpochException(String message) {
        super(message);
    }

    public UnknownKeyEpochException(String message, Throwable cause) {
        super(message, cause);
    }
}

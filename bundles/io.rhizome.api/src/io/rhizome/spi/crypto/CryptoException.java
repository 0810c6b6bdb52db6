package io.rhizome.spi.crypto;

/**
 * A cryptographic operation failed; the subtype says why.
 *
 * @since 0.1
 */
public class CryptoException extends Exception {
    private static final long serialVersionUID = 1L;

    public CryptoException(String message) {
        super(message);
    }

    public CryptoException(String message, Throwable cause) {
        super(message, cause);
    }
}

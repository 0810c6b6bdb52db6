package io.rhizome.spi.crypto;

/**
 * The data names an algorithm this provider does not implement; the message names it.
 *
 * @since 0.1
 */
public class UnsupportedAlgorithmException extends CryptoException {
    private static final long serialVersionUID = 1L;

    public UnsupportedAlgorithmException(String message) {
        super(message);
    }

    public UnsupportedAlgorithmException(String message, Throwable cause) {
        super(message, cause);
    }
}

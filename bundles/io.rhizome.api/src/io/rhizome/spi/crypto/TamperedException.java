package io.rhizome.spi.crypto;

/**
 * Authentication failed: the ciphertext, associated data or signature was changed, or the key is wrong.
 *
 * @since 0.1
 */
public class TamperedException extends CryptoException {
    private static final long serialVersionUID = 1L;

    public TamperedException(String message) {
        super(message);
    }

    public TamperedException(String message, Throwable cause) {
        super(message, cause);
    }
}

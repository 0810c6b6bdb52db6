package io.rhizome.spi.crypto;

/**
 * Recovery words were rejected; {@link #reason()} says why and the message says it for a person
 * (which word, how many words), without ever repeating the words themselves.
 *
 * @since 0.1
 */
public class InvalidMnemonicException extends CryptoException {
    private static final long serialVersionUID = 1L;

    /** Why the words were rejected. */
    public enum Reason {
        /** Not 24 words. */
        WORD_COUNT,
        /** A word is not in the BIP39 English word list ({@link #position()} says which). */
        UNKNOWN_WORD,
        /** All words are valid but the BIP39 checksum does not match: a word is wrong or out of order. */
        CHECKSUM,
        /** A valid mnemonic, but not the one of this node. */
        NOT_THIS_NODE
    }

    private final Reason reason;
    private final int position;

    public InvalidMnemonicException(Reason reason, int position, String message) {
        super(message);
        this.reason = reason;
        this.position = position;
    }

    public Reason reason() {
        return reason;
    }

    /** 1-based position of the offending word, or 0 when no single word is to blame. */
    public int position() {
        return position;
    }
}

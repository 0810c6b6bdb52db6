package io.rhizome.backup.internal;

/**
 * A backup that cannot be read or trusted: wrong recovery words, a missing or damaged chunk, a
 * broken chain. The message is one sentence naming the snapshot and what is wrong; it never
 * contains key material, words or plaintext.
 */
public final class BackupRefusedException extends Exception {
    private static final long serialVersionUID = 1L;

    public BackupRefusedException(String message) {
        super(message);
    }

    public BackupRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}

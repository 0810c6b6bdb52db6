package io.rhizome.api;

/**
 * A backup, verify or restore that did not happen, with one sentence saying what was wrong (never
 * the recovery words, a key or a value).
 *
 * @since 0.1
 */
public class BackupException extends Exception {
    private static final long serialVersionUID = 1L;

    public BackupException(String message) {
        super(message);
    }

    public BackupException(String message, Throwable cause) {
        super(message, cause);
    }
}

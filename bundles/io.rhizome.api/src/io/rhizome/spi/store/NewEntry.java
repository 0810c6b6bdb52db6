package io.rhizome.spi.store;

import java.util.Objects;

/**
 * A change set to append to the log; see {@link LogEntry}.
 *
 * @since 0.1
 */
public record NewEntry(String author, long seq, byte[] payload) {
    public NewEntry {
        Objects.requireNonNull(author, "author");
        Objects.requireNonNull(payload, "payload");
        if (seq < 1) {
            throw new IllegalArgumentException("seq starts at 1: " + seq);
        }
    }
}

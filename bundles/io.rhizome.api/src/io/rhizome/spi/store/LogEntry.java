package io.rhizome.spi.store;

import java.util.Objects;

/**
 * One stored log entry: an encoded change set by {@code author}, its {@code seq}-th.
 *
 * @param position the local log position the store assigned
 * @param author   the author's device id
 * @param seq      the author's change-set number, from 1
 * @param payload  the encoded change set, opaque to the store
 * @since 0.1
 */
public record LogEntry(long position, String author, long seq, byte[] payload) {
    public LogEntry {
        Objects.requireNonNull(author, "author");
        Objects.requireNonNull(payload, "payload");
        if (seq < 1) {
            throw new IllegalArgumentException("seq starts at 1: " + seq);
        }
        if (position < 0) {
            throw new IllegalArgumentException("negative position: " + position);
        }
    }
}

package io.rhizome.spi.store;

import java.util.Objects;

/**
 * A change set to append to the log; see {@link LogEntry}.
 *
 * @param stream  the id of the stream the change set belongs to, {@code namespace|deviceId} (see
 *                {@link LogEntry#stream()})
 * @param seq     the change set's number within its stream, from 1
 * @param payload the encoded change set, opaque to the store
 *
 * @since 0.1
 */
public record NewEntry(String stream, long seq, byte[] payload) {
    public NewEntry {
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(payload, "payload");
        if (seq < 1) {
            throw new IllegalArgumentException("seq starts at 1: " + seq);
        }
    }
}

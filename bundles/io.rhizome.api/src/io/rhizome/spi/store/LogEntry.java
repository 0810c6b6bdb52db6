package io.rhizome.spi.store;

import java.util.Objects;

/**
 * One stored log entry: an encoded change set of {@code stream}, its {@code seq}-th.
 *
 * @param position the local log position the store assigned
 * @param stream   the id of the stream the change set belongs to: {@code namespace|deviceId}, the
 *                 namespace name, a {@code '|'} (which namespace names cannot contain) and the id
 *                 of the device that wrote it, for example {@code notes|9f2c...}; opaque to the store
 * @param seq      the change set's number within its stream, from 1
 * @param payload  the encoded change set, opaque to the store
 * @since 0.1
 */
public record LogEntry(long position, String stream, long seq, byte[] payload) {
    public LogEntry {
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(payload, "payload");
        if (seq < 1) {
            throw new IllegalArgumentException("seq starts at 1: " + seq);
        }
        if (position < 0) {
            throw new IllegalArgumentException("negative position: " + position);
        }
    }
}

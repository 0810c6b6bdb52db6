package io.rhizome.backup.internal;

/**
 * One record of a snapshot: entry {@code seq} of stream {@code stream}, as opaque bytes. Records keep
 * the stream and number they had on the device that made the backup, so a restored replica holds the
 * same change sets as the original and a later sync with an old device sees duplicates, not new writes.
 */
public record SnapshotRecord(String stream, long seq, byte[] payload) {
    public SnapshotRecord {
        if (stream == null || stream.isEmpty()) {
            throw new IllegalArgumentException("a record needs a stream");
        }
        if (seq < 1) {
            throw new IllegalArgumentException("stream sequence numbers start at 1, got " + seq);
        }
        payload = payload.clone();
    }

    @Override
    public byte[] payload() {
        return payload.clone();
    }
}

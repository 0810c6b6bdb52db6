package io.rhizome.backup.internal;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one snapshot holds: its chunks (size and SHA-256 each, in order), the stream versions it
 * covers (cumulative: everything of the chain up to and including it) and those of the snapshot it
 * builds on ({@code base}, empty for a full snapshot), the previous snapshot's id and the format.
 *
 * @param format   format version of the snapshot (this code writes and reads {@link #FORMAT})
 * @param snapshot this snapshot's id
 * @param previous the snapshot this one builds on; empty for a full snapshot
 * @param created  epoch milliseconds when the snapshot was taken
 * @param base     stream versions of {@code previous} (what this snapshot does not repeat)
 * @param versions stream versions covered after applying this snapshot
 * @param records  number of records in the chunks
 * @param chunks   the chunks, in order
 */
public record Manifest(int format, String snapshot, Optional<String> previous, long created,
        Map<String, Long> base, Map<String, Long> versions, long records, List<ChunkRef> chunks) {

    public static final int FORMAT = 1;

    public Manifest {
        base = Map.copyOf(base);
        versions = Map.copyOf(versions);
        chunks = List.copyOf(chunks);
    }

    public boolean full() {
        return previous.isEmpty();
    }

    /** One chunk as the manifest knows it. */
    public record ChunkRef(int size, String sha256) {
    }
}

package io.rhizome.backup.internal;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

import io.rhizome.spi.backup.BackupTarget;

/**
 * Writes one snapshot to a target: the records, compressed (Deflate) and cut into sealed chunks,
 * then the sealed manifest, committed last so the snapshot is listed only when whole. A full snapshot
 * has no previous; an incremental one holds exactly the records above its base versions.
 */
public final class SnapshotWriter {

    /** Default chunk size: large enough for few files, small enough to re-send cheaply. */
    public static final int DEFAULT_CHUNK_SIZE = 4 << 20;

    private final BackupTarget target;
    private final BackupKeys keys;
    private final int chunkSize;

    /** Hands the snapshot's records to the writer, in the order they are to be restored. */
    @FunctionalInterface
    public interface Source {
        void emit(java.util.function.Consumer<SnapshotRecord> out) throws IOException;
    }

    public SnapshotWriter(BackupTarget target, BackupKeys keys, int chunkSize) {
        if (chunkSize < 1024) {
            throw new IllegalArgumentException("a chunk is at least 1024 bytes, got " + chunkSize);
        }
        this.target = target;
        this.keys = keys;
        this.chunkSize = chunkSize;
    }

    /**
     * Writes a snapshot.
     *
     * @param previous the manifest this snapshot builds on, empty for a full snapshot
     * @param versions the stream versions the chain covers after this snapshot
     * @param records  the records above {@code previous}'s versions and at most {@code versions}
     * @throws IllegalArgumentException when a record lies outside that range (nothing is committed)
     */
    public Manifest write(Optional<Manifest> previous, Map<String, Long> versions, Source records,
            BackupProgress progress) throws IOException {
        return write(previous, previous.map(Manifest::snapshot), versions, records, progress);
    }

    /**
     * Writes a snapshot whose id sorts after {@code after} (the newest one in the target), so "the
     * newest" stays the one written last even when two are taken in the same millisecond.
     */
    public Manifest write(Optional<Manifest> previous, Optional<String> after, Map<String, Long> versions, Source records,
            BackupProgress progress) throws IOException {
        Map<String, Long> base = previous.map(Manifest::versions).orElse(Map.of());
        Instant now = Instant.now();
        String id = SnapshotIds.next(now);
        for (int step = 1; after.isPresent() && id.compareTo(after.get()) <= 0 && step <= 100_000; step++) {
            id = SnapshotIds.next(now.plusMillis(step));
        }
        long count = 0;
        try (BackupTarget.Upload upload = target.begin(id)) {
            ChunkingOutput chunks = new ChunkingOutput(upload, keys, id, chunkSize, progress);
            Deflater deflater = new Deflater(Deflater.BEST_SPEED);
            try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(
                    new DeflaterOutputStream(chunks, deflater, 1 << 16), 1 << 16))) {
                long[] counted = {0};
                try {
                    records.emit(r -> {
                        long above = base.getOrDefault(r.stream(), 0L);
                        long upTo = versions.getOrDefault(r.stream(), 0L);
                        if (r.seq() <= above || r.seq() > upTo) {
                            throw new IllegalArgumentException("a record numbered " + r.seq()
                                    + " lies outside (" + above + ", " + upTo + "] of its stream in this snapshot");
                        }
                        try {
                            byte[] payload = r.payload();
                            out.writeByte(1);
                            out.writeUTF(r.stream());
                            out.writeLong(r.seq());
                            out.writeInt(payload.length);
                            out.write(payload);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                        counted[0]++;
                    });
                } catch (UncheckedIOException e) {
                    throw e.getCause();
                }
                count = counted[0];
                out.writeByte(0);
            } finally {
                deflater.end();
            }
            Manifest manifest = new Manifest(Manifest.FORMAT, id, previous.map(Manifest::snapshot),
                    System.currentTimeMillis(), base, versions, count, chunks.chunks());
            upload.commit(ManifestCodec.encode(manifest, keys));
            return manifest;
        }
    }
}

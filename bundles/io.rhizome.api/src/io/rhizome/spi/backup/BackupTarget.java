package io.rhizome.spi.backup;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A place where backup snapshots are kept. Each snapshot is a set of numbered chunk files and one
 * manifest, all opaque sealed bytes written by the backup bundle.
 *
 * <h2>Registration</h2>
 * A DS service with the property {@link #TARGET_NAME} (a name a person types, e.g. {@code home-nas});
 * the backup bundle tracks targets dynamically (multiple, dynamic, greedy). A plain instance may also
 * be handed to the backup code directly (the CLI's {@code --to DIR}).
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li><b>Atomic snapshots.</b> A snapshot appears in {@link #snapshots()} only after
 *   {@link Upload#commit(byte[])} returned; an upload that was aborted, or whose process died, is
 *   never listed, and its leftovers are removed by a later {@link #begin(String)} at the latest.</li>
 *   <li><b>Bytes in, same bytes out.</b> A target does not interpret, compress or re-encode what it
 *   stores; verification (hashes, seals) is the backup bundle's job, so a target that returns damaged
 *   bytes is detected, not trusted.</li>
 *   <li><b>Names.</b> Snapshot ids are {@code [0-9A-Za-z-]{1,64}}; chunk indexes start at 0.</li>
 * </ul>
 *
 * <h2>Threading</h2>
 * The backup bundle uses one upload at a time per target and may read from another thread while
 * an upload runs; implementations must allow concurrent reads of committed snapshots.
 *
 * <h2>Failure</h2>
 * Every method may throw {@link IOException} with a sentence naming the target and what failed; the
 * backup bundle then aborts the upload and reports the sentence. Nothing committed may be changed
 * by a failed call.
 *
 * @since 0.1
 */
@ConsumerType
public interface BackupTarget {

    /** Service property: the target's name, as shown by {@code rhizome backup list}. */
    String TARGET_NAME = "backup.target";

    /** A human-readable description of where the snapshots go (a path, a drive folder). */
    String describe();

    /**
     * Starts writing snapshot {@code snapshotId}, which must not exist yet. Removes the leftovers
     * of uploads that never committed.
     */
    Upload begin(String snapshotId) throws IOException;

    /** The ids of the committed snapshots, in no particular order. */
    List<String> snapshots() throws IOException;

    /** The manifest of a committed snapshot, empty when the snapshot or its manifest is absent. */
    Optional<byte[]> readManifest(String snapshotId) throws IOException;

    /** Chunk {@code index} of a committed snapshot, empty when it is absent. */
    Optional<byte[]> readChunk(String snapshotId, int index) throws IOException;

    /** Removes a committed snapshot wholly; a snapshot that is not there is not an error. */
    void delete(String snapshotId) throws IOException;

    /** One snapshot being written. Not thread-safe: one writer. */
    @ConsumerType
    interface Upload extends AutoCloseable {

        /** Stores chunk {@code index} (written in ascending order, from 0). */
        void writeChunk(int index, byte[] bytes) throws IOException;

        /**
         * Stores the manifest and makes the snapshot visible, durably and in one step: after a crash
         * the snapshot is either wholly listed or not at all.
         */
        void commit(byte[] manifest) throws IOException;

        /** Abandons the upload (no effect after {@link #commit}); leftovers are removed. */
        void abort();

        /** Aborts unless committed. */
        @Override
        default void close() {
            abort();
        }
    }
}

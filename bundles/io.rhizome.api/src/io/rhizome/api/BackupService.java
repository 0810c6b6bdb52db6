package io.rhizome.api;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

import io.rhizome.spi.backup.BackupTarget;

/**
 * End-to-end-encrypted backups of this node's replica, opened with the 24 recovery words alone.
 *
 * <p>A snapshot holds the node's change sets with the streams and numbers they have here (not their
 * values re-written), so a restored replica is the original and syncs with the original's other
 * devices without counting anything twice. {@link #backup} writes a full snapshot into an empty
 * target and an incremental one (only the change sets above the newest snapshot's stream versions)
 * otherwise. Namespaces with the {@code local-only} scope are left out.
 *
 * <p>Thread-safe; one backup or restore at a time per node (a second one waits). Registered by
 * {@code io.rhizome.backup} when the engine, the key service and the recovery service are there.
 *
 * @since 0.1
 */
@ProviderType
public interface BackupService {

    /** One snapshot of a target. */
    record Snapshot(String id, Optional<String> previous, Instant created, long changeSets, int chunks, long bytes) {
        public boolean full() {
            return previous.isEmpty();
        }
    }

    /** Told after every chunk written, checked or read; implemented by callers. */
    @FunctionalInterface
    @org.osgi.annotation.versioning.ConsumerType
    interface Progress {
        Progress NONE = (bytes, chunks, totalChunks) -> {
        };

        /** {@code totalChunks} is -1 while a backup does not know it yet. */
        void chunk(long bytesSoFar, int chunksSoFar, int totalChunks);
    }

    /** What {@link #restore} put back. */
    record Restored(String snapshot, int snapshots, long changeSets) {
    }

    /**
     * A target in a local folder (created when missing): snapshots in sub-folders, each made visible
     * by one atomic rename once complete.
     */
    BackupTarget folder(java.nio.file.Path dir);

    /**
     * Takes a snapshot into {@code target}: incremental on the newest snapshot there, full when there
     * is none. Nothing is listed in the target unless the whole snapshot was written.
     *
     * @throws BackupException with a sentence naming what failed
     */
    Snapshot backup(BackupTarget target, Progress progress) throws BackupException;

    /** The snapshots in {@code target}, oldest first (from their manifests; this node's words open them). */
    List<Snapshot> list(BackupTarget target) throws BackupException;

    /**
     * Re-reads every chunk of every snapshot and checks every chain link of {@code target}.
     *
     * @return the snapshots checked
     * @throws BackupException naming the first snapshot or chunk that is wrong
     */
    List<Snapshot> verify(BackupTarget target, Progress progress) throws BackupException;

    /**
     * Restores the newest snapshot of {@code target} (and the chain it builds on) into this node, which
     * must hold no change set yet, opened with {@code words}: every chunk is checked before anything
     * is written, the backup's mesh keys are installed, and the change sets are applied under their
     * original streams. This node keeps its own new device identity and takes {@code words} as its
     * recovery phrase ({@link io.rhizome.spi.crypto.RecoveryService#adoptMnemonic}), so it goes on
     * adding to the same target and can open the snapshots it was restored from.
     *
     * @throws BackupException when the node holds data, the words do not open the backup, or any
     *         chunk, manifest or link is missing or damaged; nothing is written then
     */
    Restored restore(BackupTarget target, List<String> words, Progress progress) throws BackupException;
}

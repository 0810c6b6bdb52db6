package io.rhizome.api;

import java.time.Duration;
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

        /**
         * Told as records (change sets and mesh keys) are written or restored, on the thread that
         * runs the backup or restore (often: once per record, so keep it cheap). {@code total} is
         * known from the start. Default: nothing.
         *
         * @since 0.1 (added with progress bars; default method)
         */
        default void records(long soFar, long total) {
        }

        /**
         * Told once a restore knows what it reads: the chain's chunk count and bytes, before the
         * first chunk is checked. Default: nothing.
         *
         * @since 0.1 (added with progress bars; default method)
         */
        default void totals(int chunks, long bytes) {
        }
    }

    /**
     * One backup attempt as {@link #status} reports it: when it ended, the target it went to
     * ({@link BackupTarget#describe()}), what started it ({@code on demand}, {@code interval},
     * {@code shutdown}), the snapshot written or the sentence saying why none was.
     *
     * @since 0.1 (added with status; additive)
     */
    record Attempt(Instant at, String target, String trigger, Optional<String> snapshot, Optional<String> error) {
        public boolean ok() {
            return error.isEmpty();
        }
    }

    /**
     * The last backup attempt and the last one that succeeded (they are the same one unless the
     * last attempt failed); empty when this home never backed up. Kept in the home, so it survives
     * a restart.
     *
     * @since 0.1 (added with status; additive)
     */
    record BackupStatus(Optional<Attempt> last, Optional<Attempt> lastGood) {
    }

    /** The last backup attempts of this node. Default: none known. @since 0.1 (default method) */
    default BackupStatus status() {
        return new BackupStatus(Optional.empty(), Optional.empty());
    }

    /**
     * Which snapshots {@link #prune} keeps: the newest {@code keepLast}; the newest of each of the
     * last {@code keepHourly} hours and of each of the last {@code keepDaily} days (UTC, counted back
     * from the newest snapshot's) — thinning; of those, none older than {@code maxAge} (counted back
     * from now; {@link Duration#ZERO}: no limit); and every snapshot that a kept one builds on, so a
     * chain is never broken (a snapshot past the age limit stays while a younger kept one builds on
     * it). The newest snapshot is always kept.
     *
     * @since 0.1 (added with prune; additive; {@code maxAge} added with max-age retention)
     */
    record Retention(int keepLast, int keepHourly, int keepDaily, Duration maxAge) {
        public Retention {
            if (keepLast < 1 || keepHourly < 0 || keepDaily < 0) {
                throw new IllegalArgumentException("retention keeps at least the last snapshot (keep.last >= 1) and"
                        + " 0 or more hourly and daily ones; got last " + keepLast + ", hourly " + keepHourly
                        + ", daily " + keepDaily);
            }
            if (maxAge == null || maxAge.isNegative()) {
                throw new IllegalArgumentException("a retention's max age is zero (no limit) or more, not " + maxAge);
            }
        }

        /** Without an age limit. */
        public Retention(int keepLast, int keepHourly, int keepDaily) {
            this(keepLast, keepHourly, keepDaily, Duration.ZERO);
        }
    }

    /** What {@link #prune} kept and deleted, oldest first. @since 0.1 (additive) */
    record Pruned(List<Snapshot> kept, List<Snapshot> deleted) {
    }

    /**
     * The target this node's settings name ({@code backup.to} in {@code rhizome.properties}): where
     * {@code backup now} without a folder, interval and shutdown backups go; retention is applied to
     * it after each backup. Default: none.
     *
     * @since 0.1 (added with triggers; default method)
     */
    default Optional<BackupTarget> configuredTarget() {
        return Optional.empty();
    }

    /** The retention of this node's settings ({@code backup.keep.*}), empty when none is set. @since 0.1 (default method) */
    default Optional<Retention> configuredRetention() {
        return Optional.empty();
    }

    /**
     * Deletes the snapshots of {@code target} that {@code retention} does not keep, dependents
     * before what they build on, each by one atomic step of the target: a crash half-way leaves
     * complete, unbroken chains. Default: refuses.
     *
     * @throws BackupException when a manifest cannot be opened (nothing is deleted) or a delete fails
     *         (what was deleted before stays deleted; the chains left are whole)
     * @since 0.1 (added with prune; default method)
     */
    default Pruned prune(BackupTarget target, Retention retention) throws BackupException {
        throw new BackupException("this backup service cannot prune " + target.describe());
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

    /**
     * The target a person names: {@code /absolute/folder} (a local folder, as {@link #folder}) or
     * {@code SCHEME:LOCATION}, opened by the {@link io.rhizome.spi.backup.BackupTargetFactory} of that
     * scheme ({@code synced:/absolute/folder} and {@code gdrive:FOLDER} when the cloud transport's
     * bundles run). Default: folders only.
     *
     * @throws IllegalArgumentException when the text names no target this node can open, with what to do
     * @since 0.1 (added with the cloud targets; default method)
     */
    default BackupTarget target(String spec) {
        if (spec != null && spec.startsWith("/")) {
            return folder(java.nio.file.Path.of(spec));
        }
        throw new IllegalArgumentException("a backup target is an absolute folder path here, not '" + spec + "'");
    }
}

package io.rhizome.backup.internal;

/** Told after each chunk written or checked, for progress bars (bytes, chunks, ETA). */
@FunctionalInterface
public interface BackupProgress {

    BackupProgress NONE = bytes -> {
    };

    void chunkDone(long chunkBytes);
}

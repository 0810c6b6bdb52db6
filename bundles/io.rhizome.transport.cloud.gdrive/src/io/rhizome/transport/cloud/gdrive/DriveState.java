package io.rhizome.transport.cloud.gdrive;

import java.io.IOException;
import java.util.Optional;

/**
 * Where a {@link DriveStore} keeps its Changes-API page token with the index it stands for (one
 * opaque value the store encodes), so that a restarted node continues from the token with
 * {@code changes.list} instead of listing the tree again. A value that cannot be kept (too large)
 * may be dropped: the next start then lists once.
 */
public interface DriveState {

    Optional<byte[]> load() throws IOException;

    void save(byte[] state) throws IOException;

    /** Keeps nothing: every start lists the tree once. */
    DriveState NONE = new DriveState() {
        @Override
        public Optional<byte[]> load() {
            return Optional.empty();
        }

        @Override
        public void save(byte[] state) {
        }
    };
}

package io.rhizome.backup.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A hook for the crash test only: it holds a backup between two chunks so that a test can kill the
 * process mid-backup on a small replica. It does nothing unless the JVM was started with
 * {@code -Drhizome.backup.test.pauseWhen=FILE} (no setting, CLI option or REST call sets it) and FILE
 * exists when a chunk has been written; then it creates {@code FILE.paused} and holds the backup
 * until {@code FILE} is removed, at most {@link #MAX_PAUSE_MILLIS}.
 */
final class TestPause {

    static final String PROPERTY = "rhizome.backup.test.pauseWhen";
    static final long MAX_PAUSE_MILLIS = 120_000;
    private static final Logger LOG = LoggerFactory.getLogger(TestPause.class);

    private final Optional<Path> when;

    TestPause(Optional<Path> when) {
        this.when = when;
    }

    static TestPause fromSystemProperty() {
        String v = System.getProperty(PROPERTY);
        return new TestPause(v == null || v.isBlank() ? Optional.empty() : Optional.of(Path.of(v)));
    }

    void afterChunk() {
        if (when.isEmpty() || !Files.exists(when.get())) {
            return;
        }
        Path file = when.get();
        try {
            Files.writeString(file.resolveSibling(file.getFileName() + ".paused"), "paused");
        } catch (IOException e) {
            LOG.warn("test pause: cannot write the marker next to {}: {}", file, e.toString());
        }
        LOG.warn("backup held between two chunks by the test hook {} ({})", PROPERTY, file);
        long deadline = System.currentTimeMillis() + MAX_PAUSE_MILLIS;
        // A bounded poll: the hook exists only to be killed in; nothing in production reaches it.
        while (Files.exists(file) && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}

package io.rhizome.backup.internal;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs interval backups on one daemon thread: the first one interval after the start, then one
 * interval after the previous one ended (a slow backup is never overlapped by the next). Stopping
 * waits for a backup in progress, bounded, so the shutdown backup that follows does not race it.
 */
final class BackupSchedule {

    private static final Logger LOG = LoggerFactory.getLogger(BackupSchedule.class);
    private static final long STOP_WAIT_SECONDS = 60;

    private final Duration every;
    private final Runnable backup;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "rhizome-backup-interval");
        t.setDaemon(true);
        return t;
    });

    BackupSchedule(Duration every, Runnable backup) {
        this.every = every;
        this.backup = backup;
    }

    void start() {
        long millis = every.toMillis();
        executor.scheduleWithFixedDelay(() -> {
            try {
                backup.run();
            } catch (RuntimeException e) {
                LOG.error("interval backup failed", e);
            }
        }, millis, millis, TimeUnit.MILLISECONDS);
    }

    void stop() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(STOP_WAIT_SECONDS, TimeUnit.SECONDS)) {
                LOG.warn("an interval backup still runs after {} s; stopping without it", STOP_WAIT_SECONDS);
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}

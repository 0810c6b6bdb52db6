package io.rhizome.transport.cloud.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.api.CloudService;
import io.rhizome.transport.cloud.CloudExchange;
import io.rhizome.transport.cloud.CloudStatus;
import io.rhizome.transport.cloud.CloudStore;

/**
 * Runs rounds through every cloud in use, one after the other on one thread, every poll interval —
 * only when it must: always, or once no peer was connected live for the configured time (a live
 * link already carries everything, and a folder round costs listing and uploads).
 */
final class CloudRunner implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CloudRunner.class);

    /** When rounds run: always, or only when no peer was live for {@code offlineMillis}. */
    record Use(boolean always, long offlineMillis) {
        static final Use ALWAYS = new Use(true, 0);

        /** {@code always} or {@code offline:MINUTES}. */
        static Use parse(String s) {
            if (s == null || s.isBlank() || s.equals("always")) {
                return ALWAYS;
            }
            if (s.startsWith("offline:")) {
                try {
                    long minutes = Long.parseLong(s.substring("offline:".length()));
                    if (minutes >= 0) {
                        return new Use(false, TimeUnit.MINUTES.toMillis(minutes));
                    }
                } catch (NumberFormatException e) {
                    // fall through to the refusal
                }
            }
            throw new IllegalArgumentException("cloud.use must be 'always' or 'offline:MINUTES' (a whole number of minutes), not '" + s + "'");
        }
    }

    private record Active(CloudConfigs.Config config, CloudExchange exchange, String lastError) {
    }

    private final Map<String, Active> active = new ConcurrentHashMap<>();
    private final Function<CloudStore, CloudExchange> exchanges;
    private final BooleanSupplier peerLive;
    private final Use use;
    private final LongSupplier clock;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "rhizome-cloud");
        t.setDaemon(true);
        return t;
    });
    private volatile long lastLive;

    CloudRunner(Function<CloudStore, CloudExchange> exchanges, BooleanSupplier peerLive, Use use, long pollMillis, LongSupplier clock) {
        this.exchanges = exchanges;
        this.peerLive = peerLive;
        this.use = use;
        this.clock = clock;
        this.lastLive = Long.MIN_VALUE / 2;
        thread.scheduleWithFixedDelay(this::roundAll, 0, pollMillis, TimeUnit.MILLISECONDS);
    }

    void add(CloudConfigs.Config config, CloudStore store) {
        active.put(config.id(), new Active(config, exchanges.apply(store), null));
    }

    void remove(String id) {
        active.remove(id);
    }

    List<CloudService.Cloud> describe() {
        List<CloudService.Cloud> out = new ArrayList<>();
        for (Active a : active.values()) {
            out.add(describe(a));
        }
        out.sort((x, y) -> x.id().compareTo(y.id()));
        return out;
    }

    Optional<CloudService.Cloud> describe(String id) {
        return Optional.ofNullable(active.get(id)).map(CloudRunner::describe);
    }

    private static CloudService.Cloud describe(Active a) {
        CloudStatus s = a.exchange().status();
        List<CloudService.Peer> peers = new ArrayList<>();
        s.peers().forEach((device, p) -> peers.add(new CloudService.Peer(device, p.lastReceivedMillis(), Optional.ofNullable(p.problem()))));
        peers.sort((x, y) -> x.deviceId().compareTo(y.deviceId()));
        CloudStatus.Stored st = s.stored();
        CloudExchange.Settings settings = a.exchange().settings();
        return new CloudService.Cloud(a.config().id(), a.config().kind(), a.config().location(), s.lastRoundMillis(),
                Optional.ofNullable(a.lastError()), peers,
                new CloudService.Storage(st.batchFiles(), st.snapshotFiles(), st.bytes(), settings.retentionMillis(), settings.budgetBytes()));
    }

    private void roundAll() {
        long now = clock.getAsLong();
        if (peerLive.getAsBoolean()) {
            lastLive = now;
        }
        if (!use.always() && now - lastLive < use.offlineMillis()) {
            return;
        }
        for (Active a : active.values()) {
            try {
                CloudExchange.RoundResult r = a.exchange().round();
                if (r.filesRead() + r.filesWritten() > 0) {
                    LOG.info("cloud {}: read {} files ({} change sets applied), wrote {}, deleted {}", a.config().id(), r.filesRead(),
                            r.changeSetsApplied(), r.filesWritten(), r.filesDeleted());
                }
                active.computeIfPresent(a.config().id(), (k, v) -> new Active(v.config(), v.exchange(), null));
            } catch (Exception e) {
                // A backend's own sentences say what to do (Drive: sign in again, free space); a
                // folder's I/O errors do not, so the hint is added for that kind only.
                String error = "the last round through " + a.config().location() + " failed: " + e.getMessage()
                        + (a.config().kind().equals("folder") ? "; check that the folder exists and is writable (the next round tries again)" : "");
                LOG.warn("cloud {}: {}", a.config().id(), error);
                active.computeIfPresent(a.config().id(), (k, v) -> new Active(v.config(), v.exchange(), error));
            }
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

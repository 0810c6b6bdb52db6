package io.rhizome.backup.internal;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.api.BackupService.Retention;
import io.rhizome.spi.backup.BackupTarget;

/**
 * Retention: which snapshots of a target to keep, and deleting the others without ever leaving a
 * broken chain. A kept snapshot keeps everything it builds on, so only whole chains (or the newest
 * end of one) are ever deleted; deleting dependents before what they build on means a crash
 * between two deletes leaves the oldest part of a chain, which is still a complete chain, and each
 * delete is one atomic step of the target ({@link FolderTarget#delete}: one rename hides it).
 */
public final class Pruner {

    private static final Logger LOG = LoggerFactory.getLogger(Pruner.class);

    private final BackupTarget target;
    private final SnapshotReader reader;
    private final Clock clock;

    public Pruner(BackupTarget target, SnapshotReader reader) {
        this(target, reader, Clock.systemUTC());
    }

    /** With the clock that {@link Retention#maxAge()} counts back from. */
    public Pruner(BackupTarget target, SnapshotReader reader, Clock clock) {
        this.target = target;
        this.reader = reader;
        this.clock = clock;
    }

    /** What a prune did, oldest first. */
    public record Result(List<Manifest> kept, List<Manifest> deleted) {
    }

    /**
     * Opens every manifest first (a target this node's words do not open is refused before anything
     * is deleted), then deletes what {@code retention} does not keep, newest first.
     */
    public Result prune(Retention retention) throws IOException, BackupRefusedException {
        List<Manifest> all = new ArrayList<>();
        for (String id : target.snapshots()) {
            all.add(reader.manifest(id));
        }
        all.sort(Comparator.comparing(Manifest::snapshot));
        Set<String> keep = keep(all, retention, clock.instant());
        List<Manifest> kept = new ArrayList<>();
        List<Manifest> doomed = new ArrayList<>();
        for (Manifest m : all) {
            (keep.contains(m.snapshot()) ? kept : doomed).add(m);
        }
        List<Manifest> deleted = new ArrayList<>();
        for (int i = doomed.size() - 1; i >= 0; i--) {
            Manifest m = doomed.get(i);
            target.delete(m.snapshot());
            deleted.add(0, m);
            LOG.info("prune {}: deleted snapshot {} ({})", target.describe(), m.snapshot(), m.full() ? "full" : "incremental");
        }
        return new Result(kept, deleted);
    }

    /** {@link #keep(List, Retention, Instant)} as of now. */
    static Set<String> keep(List<Manifest> all, Retention retention) {
        return keep(all, retention, Instant.now());
    }

    /**
     * The ids retention keeps among {@code all} (sorted oldest first): the newest {@code keepLast},
     * the newest of each of the last {@code keepHourly} hours and {@code keepDaily} days counted back
     * from the newest snapshot, less those older than {@code maxAge} before {@code now} (never the
     * newest), then, transitively, every snapshot a kept one builds on — the age limit never breaks
     * a chain, it waits until nothing younger builds on the old part.
     */
    static Set<String> keep(List<Manifest> all, Retention retention, Instant now) {
        Set<String> keep = new HashSet<>();
        if (all.isEmpty()) {
            return keep;
        }
        for (int i = Math.max(0, all.size() - retention.keepLast()); i < all.size(); i++) {
            keep.add(all.get(i).snapshot());
        }
        Instant newest = Instant.ofEpochMilli(all.get(all.size() - 1).created());
        newestPerPeriod(all, newest, ChronoUnit.HOURS, retention.keepHourly(), keep);
        newestPerPeriod(all, newest, ChronoUnit.DAYS, retention.keepDaily(), keep);
        if (!retention.maxAge().isZero()) {
            Instant oldest = now.minus(retention.maxAge());
            String newestId = all.get(all.size() - 1).snapshot();
            for (Manifest m : all) {
                if (Instant.ofEpochMilli(m.created()).isBefore(oldest) && !m.snapshot().equals(newestId)) {
                    keep.remove(m.snapshot());
                }
            }
        }
        Map<String, Manifest> byId = new HashMap<>();
        all.forEach(m -> byId.put(m.snapshot(), m));
        for (String id : List.copyOf(keep)) {
            Manifest m = byId.get(id);
            // Bounded by the number of snapshots: each step moves to an older, distinct one.
            for (int steps = 0; m != null && m.previous().isPresent() && steps < all.size(); steps++) {
                String previous = m.previous().get();
                keep.add(previous);
                m = byId.get(previous);
            }
        }
        return keep;
    }

    private static void newestPerPeriod(List<Manifest> all, Instant newest, ChronoUnit unit, int periods, Set<String> keep) {
        if (periods == 0) {
            return;
        }
        Instant newestPeriod = newest.atZone(ZoneOffset.UTC).truncatedTo(unit).toInstant();
        Instant oldest = newestPeriod.minus(periods - 1L, unit);
        Map<Instant, Manifest> newestIn = new HashMap<>();
        for (Manifest m : all) {
            Instant period = Instant.ofEpochMilli(m.created()).atZone(ZoneOffset.UTC).truncatedTo(unit).toInstant();
            if (!period.isBefore(oldest) && !period.isAfter(newestPeriod)) {
                newestIn.merge(period, m, (a, b) -> a.snapshot().compareTo(b.snapshot()) >= 0 ? a : b);
            }
        }
        newestIn.values().forEach(m -> keep.add(m.snapshot()));
    }
}

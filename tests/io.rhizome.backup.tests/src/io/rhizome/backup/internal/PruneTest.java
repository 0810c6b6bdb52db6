package io.rhizome.backup.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.rhizome.api.BackupService.Retention;
import io.rhizome.spi.backup.BackupTarget;

/**
 * Retention and prune on real snapshots in a folder: which snapshots are kept (last N, newest per
 * hour and per day), that a kept snapshot keeps the whole chain it builds on, and that a prune that
 * dies between two deletes leaves complete chains that read back and take the next backup.
 */
class PruneTest {

    private static final int CHUNK = 4096;

    @TempDir
    Path dir;

    private final BackupKeys keys = BackupKeys.fromRecoveryKey(key());

    private static byte[] key() {
        byte[] k = new byte[32];
        new Random(7).nextBytes(k);
        return k;
    }

    /** Writes chains into {@code target}: {@code lengths[i]} snapshots in chain i (a full one, then incrementals). */
    private List<Manifest> chains(BackupTarget target, int... lengths) throws IOException {
        List<Manifest> all = new ArrayList<>();
        long seq = 0;
        Optional<String> newest = Optional.empty();
        for (int length : lengths) {
            Optional<Manifest> previous = Optional.empty();
            for (int i = 0; i < length; i++) {
                long from = previous.isEmpty() ? 0 : seq;
                long to = seq + 3;
                Map<String, Long> versions = Map.of("ns|dev", to);
                List<SnapshotRecord> records = new ArrayList<>();
                for (long s = from + 1; s <= to; s++) {
                    records.add(new SnapshotRecord("ns|dev", s, ("v" + s).getBytes(StandardCharsets.UTF_8)));
                }
                Manifest m = new SnapshotWriter(target, keys, CHUNK).write(previous, newest, versions,
                        out -> records.forEach(out), BackupProgress.NONE);
                all.add(m);
                previous = Optional.of(m);
                newest = Optional.of(m.snapshot());
                seq = to;
            }
        }
        return all;
    }

    private static List<String> ids(List<Manifest> ms) {
        return ms.stream().map(Manifest::snapshot).toList();
    }

    /** Every committed snapshot of the target opens and its whole chain reads back. */
    private void assertWholeChains(BackupTarget target) throws Exception {
        SnapshotReader reader = new SnapshotReader(target, keys);
        for (String id : target.snapshots()) {
            List<Manifest> chain = reader.chain(id);
            long records = reader.read(chain, r -> {
            }, BackupProgress.NONE);
            assertEquals(chain.stream().mapToLong(Manifest::records).sum(), records);
        }
    }

    @Test
    void keepLastKeepsTheChainsItBuildsOnAndDeletesOlderWholeChains() throws Exception {
        FolderTarget target = new FolderTarget(dir.resolve("t"));
        List<Manifest> all = chains(target, 3, 3, 2);
        Pruner.Result r = new Pruner(target, new SnapshotReader(target, keys)).prune(new Retention(1, 0, 0));
        // The newest is an incremental on the third chain's full snapshot: both stay, the two older chains go.
        assertEquals(ids(all.subList(6, 8)), ids(r.kept()));
        assertEquals(ids(all.subList(0, 6)), ids(r.deleted()));
        assertEquals(Set.copyOf(ids(all.subList(6, 8))), Set.copyOf(target.snapshots()));
        assertWholeChains(target);

        // keep last 3 on chains 3 + 2: the third newest is in the first chain, which is kept whole.
        FolderTarget second = new FolderTarget(dir.resolve("t2"));
        List<Manifest> two = chains(second, 3, 2);
        Pruner.Result r2 = new Pruner(second, new SnapshotReader(second, keys)).prune(new Retention(3, 0, 0));
        assertEquals(ids(two), ids(r2.kept()), "a kept snapshot keeps everything it builds on");
        assertTrue(r2.deleted().isEmpty());
    }

    @Test
    void hourlyAndDailyKeepTheNewestOfEachPeriod() {
        Instant newest = Instant.parse("2026-12-10T12:30:00Z");
        List<Manifest> all = new ArrayList<>();
        // Full snapshots only (no chains), so the selection itself is visible.
        String[] times = {"2026-12-01T10:00:00Z", "2026-12-08T09:00:00Z", "2026-12-08T23:00:00Z", "2026-12-09T05:00:00Z",
            "2026-12-10T10:10:00Z", "2026-12-10T10:50:00Z", "2026-12-10T11:20:00Z", "2026-12-10T12:30:00Z"};
        for (int i = 0; i < times.length; i++) {
            all.add(new Manifest(Manifest.FORMAT, "s" + i, Optional.empty(), Instant.parse(times[i]).toEpochMilli(),
                    Map.of(), Map.of(), 0, List.of()));
        }
        assertEquals(newest.toEpochMilli(), all.get(all.size() - 1).created());
        assertEquals(Set.of("s7"), Pruner.keep(all, new Retention(1, 0, 0)));
        // hours 12, 11, 10 of the newest day: s7, s6, and of 10:10 / 10:50 the newer.
        assertEquals(Set.of("s7", "s6", "s5"), Pruner.keep(all, new Retention(1, 3, 0)));
        // days 10, 9, 8: newest of each (12-08: the 23:00 one).
        assertEquals(Set.of("s7", "s3", "s2"), Pruner.keep(all, new Retention(1, 0, 3)));
        assertEquals(Set.of("s7", "s6", "s5", "s4", "s3", "s2", "s1", "s0"), Pruner.keep(all, new Retention(8, 0, 0)));
        assertThrows(IllegalArgumentException.class, () -> new Retention(0, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new Retention(1, -1, 0));
    }

    private static Manifest at(String id, Optional<String> previous, String time) {
        return new Manifest(Manifest.FORMAT, id, previous, Instant.parse(time).toEpochMilli(), Map.of(), Map.of(), 0, List.of());
    }

    @Test
    void maxAgeDeletesOldSnapshotsButNeverAPartOfAChainAYoungerOneBuildsOn() {
        Instant now = Instant.parse("2026-12-20T12:00:00Z");
        // Chain A: full a0 and a1 (20 and 19 days old); chain B: full b0 (10 days old), b1 (5), b2 (1 hour).
        List<Manifest> all = List.of(at("a0", Optional.empty(), "2026-11-30T12:00:00Z"), at("a1", Optional.of("a0"), "2026-12-01T12:00:00Z"),
                at("b0", Optional.empty(), "2026-12-10T12:00:00Z"), at("b1", Optional.of("b0"), "2026-12-15T12:00:00Z"),
                at("b2", Optional.of("b1"), "2026-12-20T11:00:00Z"));
        Duration week = Duration.ofDays(7);
        assertEquals(Set.of("b0", "b1", "b2"), Pruner.keep(all, new Retention(Integer.MAX_VALUE, 0, 0, week), now),
                "b0 is past the age but b1 and b2 build on it: kept; chain A goes whole");
        assertEquals(Set.of("b0", "b1", "b2"), Pruner.keep(all, new Retention(Integer.MAX_VALUE, 0, 0, Duration.ofDays(2)), now),
                "b1 is past 2 days too, and b2 builds on it");
        assertEquals(Set.of("b0", "b1", "b2"), Pruner.keep(all, new Retention(Integer.MAX_VALUE, 0, 0, Duration.ofSeconds(1)), now),
                "the newest is always kept, with its chain");
        assertEquals(Set.of("a0", "a1", "b0", "b1", "b2"), Pruner.keep(all, new Retention(Integer.MAX_VALUE, 0, 0), now), "no limit");
        // Thinning with an age limit: daily for a month, nothing past 15 days.
        assertEquals(Set.of("b0", "b1", "b2"), Pruner.keep(all, new Retention(1, 24, 30, Duration.ofDays(15)), now));
        assertEquals(Set.of("a0", "a1", "b0", "b1", "b2"), Pruner.keep(all, new Retention(1, 24, 30, Duration.ofDays(25)), now));
        assertThrows(IllegalArgumentException.class, () -> new Retention(1, 0, 0, Duration.ofDays(-1)));
    }

    @Test
    void aMaxAgePruneOfRealSnapshotsLeavesWholeChainsThatRestore() throws Exception {
        FolderTarget target = new FolderTarget(dir.resolve("aged"));
        List<Manifest> all = chains(target, 2, 3);
        // Seen from a day later, every snapshot is past an hour's age: only the newest chain stays, whole.
        java.time.Clock later = java.time.Clock.fixed(Instant.now().plus(Duration.ofDays(1)), java.time.ZoneOffset.UTC);
        Pruner.Result r = new Pruner(target, new SnapshotReader(target, keys), later)
                .prune(new Retention(Integer.MAX_VALUE, 0, 0, Duration.ofHours(1)));
        assertEquals(ids(all.subList(2, 5)), ids(r.kept()));
        assertEquals(ids(all.subList(0, 2)), ids(r.deleted()));
        assertWholeChains(target);
        // Seen from now, nothing is an hour old: nothing goes.
        assertTrue(new Pruner(target, new SnapshotReader(target, keys)).prune(new Retention(Integer.MAX_VALUE, 0, 0, Duration.ofHours(1)))
                .deleted().isEmpty());
    }

    /** A target whose second delete "crashes": the process dies right after the first one. */
    private static final class CrashingDeletes implements BackupTarget {
        private final FolderTarget inner;
        private int deletes;

        CrashingDeletes(FolderTarget inner) {
            this.inner = inner;
        }

        @Override
        public String describe() {
            return inner.describe();
        }

        @Override
        public Upload begin(String snapshotId) throws IOException {
            return inner.begin(snapshotId);
        }

        @Override
        public List<String> snapshots() throws IOException {
            return inner.snapshots();
        }

        @Override
        public Optional<byte[]> readManifest(String snapshotId) throws IOException {
            return inner.readManifest(snapshotId);
        }

        @Override
        public Optional<byte[]> readChunk(String snapshotId, int index) throws IOException {
            return inner.readChunk(snapshotId, index);
        }

        @Override
        public void delete(String snapshotId) throws IOException {
            if (++deletes == 2) {
                throw new IOException("power lost while deleting " + snapshotId);
            }
            inner.delete(snapshotId);
        }
    }

    @Test
    void aPruneThatDiesHalfWayLeavesWholeChainsAndTheNextBackupAndPruneComplete() throws Exception {
        FolderTarget folder = new FolderTarget(dir.resolve("t"));
        List<Manifest> all = chains(folder, 3, 1);
        CrashingDeletes crashing = new CrashingDeletes(folder);
        assertThrows(IOException.class, () -> new Pruner(crashing, new SnapshotReader(crashing, keys)).prune(new Retention(1, 0, 0)));
        // Dependents go first: the first chain lost its newest end only and is still a whole chain.
        assertEquals(Set.copyOf(ids(List.of(all.get(0), all.get(1), all.get(3)))), Set.copyOf(folder.snapshots()));
        assertWholeChains(folder);

        // A delete that died inside the file removal leaves a hidden folder, never a listed snapshot.
        Path doomed = dir.resolve("t").resolve(FolderTarget.PARTIAL + "deleted-" + all.get(1).snapshot());
        Files.move(dir.resolve("t").resolve(all.get(1).snapshot()), doomed);
        Files.delete(doomed.resolve(FolderTarget.chunkName(0)));
        assertFalse(folder.snapshots().contains(all.get(1).snapshot()));
        assertWholeChains(folder);

        SnapshotReader reader = new SnapshotReader(folder, keys);
        Manifest newest = reader.manifest(reader.latest().orElseThrow());
        Map<String, Long> versions = new HashMap<>(Map.of("ns|dev", newest.versions().get("ns|dev") + 1));
        long next = versions.get("ns|dev");
        Manifest more = new SnapshotWriter(folder, keys, CHUNK).write(Optional.of(newest), versions,
                out -> out.accept(new SnapshotRecord("ns|dev", next, "v".getBytes(StandardCharsets.UTF_8))), BackupProgress.NONE);
        assertFalse(Files.exists(doomed), "the next backup removes what the dead delete left");
        Pruner.Result r = new Pruner(folder, reader).prune(new Retention(1, 0, 0));
        assertEquals(List.of(all.get(0).snapshot()), ids(r.deleted()));
        assertEquals(List.of(all.get(3).snapshot(), more.snapshot()), ids(r.kept()));
        assertWholeChains(folder);
    }
}

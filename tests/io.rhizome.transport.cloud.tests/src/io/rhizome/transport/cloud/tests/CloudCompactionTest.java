package io.rhizome.transport.cloud.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import io.rhizome.core.internal.engine.SyncEngine;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crypto.EncryptionProvider;
import io.rhizome.spi.crypto.KeyService.MeshKey;
import io.rhizome.transport.cloud.CloudExchange;
import io.rhizome.transport.cloud.CloudStatus;
import io.rhizome.transport.cloud.CloudStore;
import io.rhizome.transport.cloud.folder.FolderStore;

/**
 * Compaction of a device's own batch files into one snapshot file: what the reader applied is
 * replaced, what it has not applied never is; a reader that starts from scratch (a replica of the
 * reader that lost its data) reads the snapshot and the files after it and ends up with exactly
 * the writer's state; bad snapshot files are refused whole; a crash at any point of compaction
 * leaves a readable folder and the next run completes; retention and the size budget.
 */
class CloudCompactionTest {

    /** One change set per batch file, so that a few writes make several files. */
    private static final CloudExchange.Settings ONE = new CloudExchange.Settings(1, 1L << 30, 0, 10_000);
    private static final int PAD = 4096;

    @TempDir
    Path dir;
    private ServiceTracker<EncryptionProvider, EncryptionProvider> providers;
    private ServiceTracker<CrdtType, CrdtType> types;
    private EncryptionProvider bc;
    private final List<Device> devices = new ArrayList<>();
    private MeshKey meshKey;
    private FolderStore folder;

    @BeforeEach
    void setUp() throws Exception {
        BundleContext ctx = FrameworkUtil.getBundle(CloudCompactionTest.class).getBundleContext();
        providers = new ServiceTracker<>(ctx, ctx.createFilter("(&(objectClass=" + EncryptionProvider.class.getName() + ")(crypto.provider=bc))"), null);
        providers.open();
        types = new ServiceTracker<>(ctx, CrdtType.class, null);
        types.open();
        bc = providers.waitForService(30_000);
        assertNotNull(bc, "the Bouncy Castle provider is registered");
        long deadline = System.currentTimeMillis() + 30_000;
        while (type("g-counter").isEmpty() || type("lww-register").isEmpty()) {
            assertTrue(System.currentTimeMillis() < deadline, "the built-in CRDT types are registered within 30 s");
            types.waitForService(1000);
        }
        meshKey = MemoryKeys.randomMeshKey(1);
        folder = new FolderStore(dir.resolve("mesh"));
    }

    @AfterEach
    void tearDown() {
        devices.forEach(Device::close);
        providers.close();
        types.close();
    }

    private Optional<CrdtType> type(String name) {
        ServiceReference<CrdtType>[] refs = types.getServiceReferences();
        for (ServiceReference<CrdtType> r : refs == null ? new ServiceReference[0] : refs) {
            if (name.equals(r.getProperty(CrdtType.TYPE_PROPERTY))) {
                return Optional.ofNullable(types.getService(r));
            }
        }
        return Optional.empty();
    }

    private List<Device> mesh(int n) {
        List<Device> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(device(new MemoryKeys(bc, meshKey)));
        }
        for (Device d : out) {
            out.forEach(o -> d.trusted.add(o.id()));
        }
        return out;
    }

    private Device device(MemoryKeys keys) {
        Device d = new Device(bc, this::type, keys);
        devices.add(d);
        return d;
    }

    /** A new, empty replica of {@code of}'s identity: it reads every channel from scratch. */
    private Device freshReplicaOf(Device of) {
        Device d = device(of.keys);
        d.trusted.addAll(of.trusted);
        return d;
    }

    private static void increment(Device d, int times) throws Exception {
        for (int i = 0; i < times; i++) {
            d.engine().write(List.of(new SyncEngine.LocalWrite("visits", "k", JsonNodeFactory.instance.objectNode().put("op", "increment").put("by", 1))));
        }
    }

    /** One daemon run: start, rounds until nothing more is read or written, stop. */
    private CloudExchange.RoundResult run(Device d, CloudStore store, CloudExchange.Settings settings) throws Exception {
        d.start();
        try {
            CloudExchange x = d.exchange(store, settings);
            CloudExchange.RoundResult first = x.round();
            x.round();
            return first;
        } finally {
            d.stop();
        }
    }

    private static long visits(Device d) {
        return d.engine().get("visits", "k").map(n -> n.asLong()).orElse(0L);
    }

    @Test
    void whatTheReaderAppliedBecomesOneSnapshotAndAReaderFromScratchCatchesUpExactly() throws Exception {
        List<Device> m = mesh(2);
        Device a = m.get(0);
        Device b = m.get(1);
        a.start();
        increment(a, 5);
        a.put("notes", "n", "before the snapshot");
        CloudExchange ax = a.exchange(folder, ONE);
        assertEquals(6, ax.round().filesWritten());
        a.stop();
        assertEquals(6, files(a, b, ".rzb").size());

        run(b, folder, ONE);
        a.start();
        ax = a.exchange(folder, ONE);
        CloudExchange.RoundResult compacted = ax.round();
        assertEquals(6, compacted.filesDeleted(), "the six files B applied are gone");
        assertEquals(List.of(), files(a, b, ".rzb"));
        assertEquals(List.of(6L), numbers(files(a, b, ".rzs")), "one snapshot standing for batches 1 to 6");
        increment(a, 3);
        a.put("notes", "after", "after the snapshot");
        assertEquals(4, ax.round().filesWritten());
        CloudStatus.Stored stored = ax.status().stored();
        assertEquals(4, stored.batchFiles());
        assertEquals(1, stored.snapshotFiles());
        a.stop();
        assertEquals(List.of(7L, 8L, 9L, 10L), numbers(files(a, b, ".rzb")), "the files B has not applied yet stay as they are");

        // B itself goes on from where it was: the four new files, not the snapshot.
        b.start();
        CloudExchange.RoundResult next = b.exchange(folder, ONE).round();
        assertEquals(4, next.filesRead());
        assertEquals(8, visits(b));
        b.stop();

        // A new replica of B (its data lost): its manifest says more than it holds, so it reads from scratch.
        Device fresh = freshReplicaOf(b);
        fresh.start();
        CloudExchange fx = fresh.exchange(folder, ONE);
        CloudExchange.RoundResult r = fx.round();
        assertEquals(5, r.filesRead(), "the snapshot, then batches 7 to 10");
        assertEquals(8, visits(fresh), "every increment counted once");
        assertEquals(Optional.of("before the snapshot"), fresh.get("notes", "n"));
        assertEquals(Optional.of("after the snapshot"), fresh.get("notes", "after"));
        a.start();
        assertEquals(a.engine().versions().get("visits|" + a.id()), fresh.engine().versions().get("visits|" + a.id()));
        assertEquals(a.engine().versions().get("notes|" + a.id()), fresh.engine().versions().get("notes|" + a.id()));
        a.stop();
        assertEquals(0, fx.round().filesRead(), "nothing is read twice");
        fresh.stop();
    }

    @Test
    void compactionNeverDeletesABatchTheReaderHasNotApplied() throws Exception {
        List<Device> m = mesh(3);
        Device a = m.get(0);
        Device b = m.get(1);
        Device c = m.get(2); // never runs: acknowledges nothing
        a.start();
        increment(a, 5);
        a.exchange(folder, ONE).round();
        a.stop();
        List<Path> toB = files(a, b, ".rzb");
        assertEquals(5, toB.size());
        // Batch 3 has not synced to B's side yet: B applies 1 and 2 and waits.
        Path third = toB.get(2);
        Path aside = dir.resolve("aside");
        Files.move(third, aside);
        run(b, folder, ONE);

        run(a, folder, ONE);
        Files.move(aside, third);
        assertEquals(List.of(3L, 4L, 5L), numbers(files(a, b, ".rzb")), "only what B applied is compacted");
        assertEquals(List.of(2L), numbers(files(a, b, ".rzs")));
        assertEquals(5, files(a, c, ".rzb").size(), "nothing of C's channel: C acknowledged nothing");
        assertEquals(List.of(), files(a, c, ".rzs"));
        run(a, folder, ONE);
        assertEquals(List.of(3L, 4L, 5L), numbers(files(a, b, ".rzb")), "a second run deletes nothing more");

        run(b, folder, ONE);
        b.start();
        assertEquals(5, visits(b));
        b.stop();
        run(a, folder, ONE);
        assertEquals(List.of(), files(a, b, ".rzb"));
        assertEquals(List.of(5L), numbers(files(a, b, ".rzs")), "the newer snapshot replaced the older");
        run(c, folder, ONE);
        c.start();
        assertEquals(5, visits(c), "C still gets everything from the files kept for it");
        c.stop();
    }

    @Test
    void tamperedTruncatedReplayedCopiedAndForeignSnapshotsAreRefusedWithNothingApplied() throws Exception {
        List<Device> m = mesh(3);
        Device a = m.get(0);
        Device b = m.get(1);
        Device c = m.get(2);
        a.start();
        increment(a, 4);
        a.put("notes", "n", "the real value");
        a.exchange(folder, ONE).round();
        a.stop();
        run(b, folder, ONE);
        run(c, folder, ONE);
        run(a, folder, ONE);
        Path snapshot = only(files(a, b, ".rzs"));
        Path cSnapshot = only(files(a, c, ".rzs"));
        byte[] good = Files.readAllBytes(snapshot);
        Path channel = snapshot.getParent();
        Files.delete(snapshot);
        Device fresh = freshReplicaOf(b);

        // Truncated (still syncing): its name no longer matches, waited for.
        Files.write(snapshot, java.util.Arrays.copyOf(good, good.length / 2));
        assertNothingApplied(fresh, "truncated");
        Files.delete(snapshot);
        // Tampered and renamed to its new hash: the seal tells.
        byte[] tampered = good.clone();
        tampered[tampered.length / 2] ^= 1;
        Path t = channel.resolve(name(5, tampered, ".rzs"));
        Files.write(t, tampered);
        assertNothingApplied(fresh, "tampered");
        Files.delete(t);
        // Replayed under another number: it carries its own inside.
        Path replayed = channel.resolve(name(9, good, ".rzs"));
        Files.write(replayed, good);
        String problem = assertNothingApplied(fresh, "replayed");
        assertTrue(problem.contains("replayed"), problem);
        Files.delete(replayed);
        // Copied from A's channel to C: bound to that channel.
        Path copied = channel.resolve(cSnapshot.getFileName());
        Files.copy(cSnapshot, copied);
        assertNothingApplied(fresh, "copied from another channel");
        Files.delete(copied);
        // A device of another mesh writing a snapshot into A's channel: it does not open under this mesh's key.
        Device foreign = device(new MemoryKeys(bc, MemoryKeys.randomMeshKey(1)));
        foreign.trusted.add(foreign.id());
        foreign.trusted.add(b.id());
        foreign.start();
        increment(foreign, 2);
        foreign.exchange(folder, ONE).round();
        foreign.stop();
        List<Path> foreignBatches = files(foreign, b, ".rzb");
        assertEquals(2, foreignBatches.size());
        byte[] foreignFile = Files.readAllBytes(foreignBatches.get(0));
        Path planted = channel.resolve(name(5, foreignFile, ".rzs"));
        Files.write(planted, foreignFile);
        assertNothingApplied(fresh, "another mesh's batch file as a snapshot");
        Files.delete(planted);
        // A snapshot of another mesh's (its reader applied, its writer compacted) planted in A's channel.
        Device reader = device(new MemoryKeys(bc, foreign.keys.currentMeshKey()));
        reader.trusted.add(reader.id());
        reader.trusted.add(foreign.id());
        foreign.trusted.add(reader.id());
        run(foreign, folder, ONE);
        run(reader, folder, ONE);
        foreign.start();
        foreign.exchange(folder, ONE).round();
        foreign.stop();
        byte[] foreignSnapshot = Files.readAllBytes(only(files(foreign, reader, ".rzs")));
        Path plantedSnapshot = channel.resolve(name(5, foreignSnapshot, ".rzs"));
        Files.write(plantedSnapshot, foreignSnapshot);
        assertNothingApplied(fresh, "another mesh's snapshot");
        Files.delete(plantedSnapshot);

        // The real snapshot back: read whole, once.
        Files.write(snapshot, good);
        fresh.start();
        CloudExchange.RoundResult r = fresh.exchange(folder, ONE).round();
        assertEquals(1, r.filesRead());
        assertEquals(4, visits(fresh));
        assertEquals(Optional.of("the real value"), fresh.get("notes", "n"));
        fresh.stop();
    }

    @Test
    void aCrashAtAnyPointOfCompactionLeavesAReadableFolderAndTheNextRunCompletes() throws Exception {
        List<Device> m = mesh(2);
        Device a = m.get(0);
        Device b = m.get(1);
        a.start();
        increment(a, 6);
        a.exchange(folder, ONE).round();
        a.stop();
        run(b, folder, ONE);

        // Crash 1: the snapshot is written, no old file deleted yet.
        IOException crash = assertThrows(IOException.class, () -> run(a, new CrashingStore(folder, 0, false), ONE));
        assertTrue(crash.getMessage().contains("crashed"), crash.getMessage());
        assertEquals(6, files(a, b, ".rzb").size());
        assertEquals(List.of(6L), numbers(files(a, b, ".rzs")));
        assertReadsExactly(freshReplicaOf(b), 6);

        // Crash 2: half the old files deleted.
        assertThrows(IOException.class, () -> run(a, new CrashingStore(folder, 3, false), ONE));
        assertEquals(List.of(4L, 5L, 6L), numbers(files(a, b, ".rzb")));
        assertEquals(List.of(6L), numbers(files(a, b, ".rzs")));
        assertReadsExactly(freshReplicaOf(b), 6);

        // The next run completes what the crashed one began.
        run(a, folder, ONE);
        assertEquals(List.of(), files(a, b, ".rzb"));
        assertEquals(List.of(6L), numbers(files(a, b, ".rzs")));

        // More files, applied; crash 3: while writing the new snapshot (nothing deleted, the old one stands).
        a.start();
        increment(a, 3);
        a.exchange(folder, ONE).round();
        a.stop();
        run(b, folder, ONE);
        assertThrows(IOException.class, () -> run(a, new CrashingStore(folder, 0, true), ONE));
        assertEquals(List.of(7L, 8L, 9L), numbers(files(a, b, ".rzb")));
        assertEquals(List.of(6L), numbers(files(a, b, ".rzs")));
        assertReadsExactly(freshReplicaOf(b), 9);

        // Crash 4: the new snapshot written and the files it covers deleted, the old snapshot not yet.
        assertThrows(IOException.class, () -> run(a, new CrashingStore(folder, 3, false), ONE));
        assertEquals(List.of(), files(a, b, ".rzb"));
        assertEquals(List.of(6L, 9L), numbers(files(a, b, ".rzs")));
        assertReadsExactly(freshReplicaOf(b), 9);
        run(a, folder, ONE);
        assertEquals(List.of(9L), numbers(files(a, b, ".rzs")), "the next run deletes the older snapshot");
        assertReadsExactly(freshReplicaOf(b), 9);
    }

    @Test
    void retentionKeepsAppliedFilesForAWhileAndOverTheBudgetTheyAreCompactedAtOnce() throws Exception {
        List<Device> m = mesh(2);
        Device a = m.get(0);
        Device b = m.get(1);
        AtomicLong now = new AtomicLong(1_000_000);
        long hour = 3_600_000;
        CloudExchange.Settings keepAnHour = new CloudExchange.Settings(1, 1L << 30, hour, 10_000);
        a.start();
        increment(a, 3);
        CloudExchange ax = a.exchange(folder, keepAnHour, now::get);
        ax.round();
        run(b, folder, ONE);
        ax.round();
        assertEquals(3, files(a, b, ".rzb").size(), "applied, but younger than the retention: kept as they are");
        assertEquals(List.of(), files(a, b, ".rzs"));
        now.addAndGet(hour + 1);
        ax.round();
        assertEquals(List.of(), files(a, b, ".rzb"), "past the retention: compacted");
        assertEquals(List.of(3L), numbers(files(a, b, ".rzs")));
        a.stop();

        // A budget of two padded files: past it nothing more is written, status warns, and what B applied goes at once.
        CloudExchange.Settings small = new CloudExchange.Settings(1, 2 * PAD, hour, 10_000);
        a.start();
        increment(a, 4);
        CloudExchange sx = a.exchange(folder, small, now::get);
        sx.round();
        assertEquals(List.of(4L, 5L), numbers(files(a, b, ".rzb")), "two files, then the budget stops the writing");
        String warning = sx.status().peers().get(b.id()).problem();
        assertTrue(warning != null && warning.contains("over the size budget") && warning.contains("never deleted"), warning);
        a.stop();
        run(b, folder, ONE);
        a.start();
        sx = a.exchange(folder, small, now::get);
        sx.round();
        assertEquals(List.of(5L), numbers(files(a, b, ".rzs")), "over the budget, applied files are compacted within the retention time");
        sx.round();
        assertEquals(List.of(6L, 7L), numbers(files(a, b, ".rzb")), "the rest is written once there is room");
        a.stop();
        run(b, folder, ONE);
        b.start();
        assertEquals(7, visits(b));
        b.stop();
    }

    private void assertReadsExactly(Device fresh, long expectedVisits) throws Exception {
        fresh.start();
        try {
            CloudExchange x = fresh.exchange(folder, ONE);
            x.round();
            assertEquals(expectedVisits, visits(fresh), "a reader from scratch holds every increment once");
        } finally {
            fresh.stop();
        }
    }

    /** A round of a reader from scratch applies nothing; returns the problem status names for A. */
    private String assertNothingApplied(Device fresh, String what) throws Exception {
        fresh.start();
        try {
            CloudExchange x = fresh.exchange(folder, ONE);
            CloudExchange.RoundResult r = x.round();
            assertEquals(0, r.changeSetsApplied(), what + ": nothing applied");
            assertEquals(0, r.filesRead(), what + ": no file taken");
            assertTrue(fresh.engine().versions().keySet().stream().noneMatch(s -> s.startsWith("visits|") || s.startsWith("notes|")),
                    what + ": no stream here " + fresh.engine().versions());
            String problem = x.status().peers().values().stream().map(CloudStatus.Peer::problem).filter(p -> p != null && p.contains("snapshot"))
                    .findFirst().orElse("");
            return problem;
        } finally {
            fresh.stop();
        }
    }

    private List<Path> files(Device writer, Device reader, String suffix) throws IOException {
        Path channel = folder.root().resolve(folderOf(writer)).resolve(folderOf(reader));
        if (!Files.isDirectory(channel)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(channel)) {
            return s.filter(p -> p.getFileName().toString().matches("[0-9a-f]{16}-[0-9a-f]{32}\\" + suffix)).sorted().toList();
        }
    }

    private static List<Long> numbers(List<Path> files) {
        return files.stream().map(p -> Long.parseLong(p.getFileName().toString().substring(0, 16), 16)).toList();
    }

    private static Path only(List<Path> files) {
        assertEquals(1, files.size(), "one file: " + files);
        return files.get(0);
    }

    private static String folderOf(Device d) throws IOException {
        try {
            byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest(("rhizome/cloud-folder/v1|" + d.id()).getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(h, 0, 12);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IOException(e);
        }
    }

    private static String name(long seq, byte[] file, String suffix) throws Exception {
        byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest(file);
        return String.format("%016x-%s%s", seq, java.util.HexFormat.of().formatHex(h, 0, 16), suffix);
    }
}

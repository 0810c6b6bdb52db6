package io.rhizome.backup.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The snapshot format on a real folder: full and incremental snapshots read back record for record,
 * and each kind of damage refused with a sentence naming it before any record is handed out.
 */
class SnapshotFormatTest {

    private static final int CHUNK = 4096;
    private static final String SECRET = "plaintext-marker-value";
    private static final String NAMESPACE = "secret-namespace-name";

    @TempDir
    Path dir;

    private final BackupKeys keys = BackupKeys.fromRecoveryKey(key(1));

    /** Records of two streams, seqs (from, to], payloads that would show if left in clear. */
    private static List<SnapshotRecord> records(String device, long from, long to) {
        List<SnapshotRecord> out = new ArrayList<>();
        Random random = new Random(from * 31 + to);
        for (long s = from + 1; s <= to; s++) {
            byte[] noise = new byte[200];
            random.nextBytes(noise);
            String text = "{\"ns\":\"" + NAMESPACE + "\",\"v\":\"" + SECRET + s + "\",\"n\":\""
                    + Arrays.toString(noise) + "\"}";
            out.add(new SnapshotRecord(NAMESPACE + "/" + device, s, text.getBytes(StandardCharsets.UTF_8)));
        }
        return out;
    }

    private static byte[] key(int seed) {
        byte[] k = new byte[32];
        new Random(seed).nextBytes(k);
        return k;
    }

    private Manifest write(FolderTarget target, Optional<Manifest> previous, Map<String, Long> versions,
            List<SnapshotRecord> records) throws IOException {
        return new SnapshotWriter(target, keys, CHUNK).write(previous, versions, out -> records.forEach(out), BackupProgress.NONE);
    }

    private static List<String> flatten(List<SnapshotRecord> records) {
        return records.stream().map(r -> r.stream() + "#" + r.seq() + "#" + new String(r.payload(),
                StandardCharsets.UTF_8)).toList();
    }

    /** A full snapshot and two incrementals on top: reading the newest gives every record, once. */
    private record Chain(FolderTarget target, Manifest full, Manifest second, Manifest third,
            List<SnapshotRecord> all) {
    }

    private Chain chain() throws IOException {
        FolderTarget target = new FolderTarget(dir.resolve("target"));
        List<SnapshotRecord> all = new ArrayList<>();
        List<SnapshotRecord> first = new ArrayList<>(records("a", 0, 100));
        first.addAll(records("b", 0, 40));
        Manifest full = write(target, Optional.empty(), Map.of(NAMESPACE + "/a", 100L, NAMESPACE + "/b", 40L), first);
        all.addAll(first);
        List<SnapshotRecord> second = records("a", 100, 130);
        Manifest inc1 = write(target, Optional.of(full), Map.of(NAMESPACE + "/a", 130L, NAMESPACE + "/b", 40L), second);
        all.addAll(second);
        List<SnapshotRecord> third = new ArrayList<>(records("b", 40, 45));
        third.addAll(records("c", 0, 3));
        Manifest inc2 = write(target, Optional.of(inc1),
                Map.of(NAMESPACE + "/a", 130L, NAMESPACE + "/b", 45L, NAMESPACE + "/c", 3L), third);
        all.addAll(third);
        return new Chain(target, full, inc1, inc2, all);
    }

    private List<SnapshotRecord> readAll(FolderTarget target, BackupKeys with, String snapshot) throws Exception {
        SnapshotReader reader = new SnapshotReader(target, with);
        List<SnapshotRecord> got = new ArrayList<>();
        reader.read(reader.chain(snapshot), got::add, BackupProgress.NONE);
        return got;
    }

    /** Asserts that reading is refused with a message containing each fragment, and yields nothing. */
    private void assertRefused(FolderTarget target, BackupKeys with, String snapshot, String... fragments) {
        SnapshotReader reader = new SnapshotReader(target, with);
        List<SnapshotRecord> got = new ArrayList<>();
        BackupRefusedException e = assertThrows(BackupRefusedException.class,
                () -> reader.read(reader.chain(snapshot), got::add, BackupProgress.NONE));
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + e.getMessage() + "' should name '" + f + "'");
        }
        assertEquals(List.of(), got, "a refused backup hands out no record");
    }

    private Path chunkFile(Chain c, Manifest m, int index) {
        return dir.resolve("target").resolve(m.snapshot()).resolve(FolderTarget.chunkName(index));
    }

    @Test
    void fullSnapshotReadsBackEveryRecord() throws Exception {
        FolderTarget target = new FolderTarget(dir.resolve("target"));
        List<SnapshotRecord> records = records("a", 0, 500);
        Manifest m = write(target, Optional.empty(), Map.of(NAMESPACE + "/a", 500L), records);
        assertTrue(m.full());
        assertTrue(m.chunks().size() > 1, "the test data spans several chunks");
        assertEquals(flatten(records), flatten(readAll(target, keys, m.snapshot())));
        assertEquals(List.of(m.snapshot()), target.snapshots());
    }

    @Test
    void chainOfIncrementalsReadsBackEveryRecordOnce() throws Exception {
        Chain c = chain();
        assertEquals(Optional.of(c.second().snapshot()), c.third().previous());
        assertEquals(c.second().versions(), c.third().base());
        assertEquals(flatten(c.all()), flatten(readAll(c.target(), keys, c.third().snapshot())));
        assertEquals(Optional.of(c.third().snapshot()), new SnapshotReader(c.target(), keys).latest());
        assertEquals(Map.of(NAMESPACE + "/a", 130L, NAMESPACE + "/b", 45L, NAMESPACE + "/c", 3L),
                new SnapshotReader(c.target(), keys).manifest(c.third().snapshot()).versions());
    }

    @Test
    void anIncrementalRefusesRecordsItsBaseAlreadyHolds() throws Exception {
        Chain c = chain();
        int before = c.target().snapshots().size();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> write(c.target(),
                Optional.of(c.third()), c.third().versions(), records("a", 129, 130)));
        assertTrue(e.getMessage().contains("outside"), e.getMessage());
        assertEquals(before, c.target().snapshots().size(), "nothing committed");
        try (Stream<Path> left = Files.list(dir.resolve("target"))) {
            assertEquals(before, left.count(), "no partial folder left behind");
        }
    }

    @Test
    void wrongWordsAreRefused() throws Exception {
        Chain c = chain();
        assertRefused(c.target(), BackupKeys.fromRecoveryKey(key(2)), c.third().snapshot(),
                "recovery words do not open snapshot " + c.third().snapshot());
    }

    @Test
    void missingChunkIsRefused() throws Exception {
        Chain c = chain();
        Files.delete(chunkFile(c, c.full(), 1));
        assertRefused(c.target(), keys, c.third().snapshot(), "chunk 1 of snapshot " + c.full().snapshot(),
                "missing");
    }

    @Test
    void flippedBitIsRefused() throws Exception {
        Chain c = chain();
        Path chunk = chunkFile(c, c.second(), 0);
        byte[] bytes = Files.readAllBytes(chunk);
        bytes[bytes.length / 2] ^= 0x10;
        Files.write(chunk, bytes);
        assertRefused(c.target(), keys, c.third().snapshot(), "chunk 0 of snapshot " + c.second().snapshot(),
                "damaged");
    }

    @Test
    void truncatedManifestIsRefused() throws Exception {
        Chain c = chain();
        Path manifest = dir.resolve("target").resolve(c.third().snapshot()).resolve(FolderTarget.MANIFEST);
        byte[] bytes = Files.readAllBytes(manifest);
        Files.write(manifest, Arrays.copyOf(bytes, bytes.length - 7));
        assertRefused(c.target(), keys, c.third().snapshot(), "manifest of snapshot " + c.third().snapshot(),
                "truncated");
        Files.write(manifest, Arrays.copyOf(bytes, 20));
        assertRefused(c.target(), keys, c.third().snapshot(), "truncated");
    }

    @Test
    void chunkFromAnotherBackupIsRefused() throws Exception {
        Chain c = chain();
        FolderTarget other = new FolderTarget(dir.resolve("other"));
        Manifest foreign = write(other, Optional.empty(), Map.of(NAMESPACE + "/a", 100L), records("a", 0, 100));
        Files.copy(dir.resolve("other").resolve(foreign.snapshot()).resolve(FolderTarget.chunkName(0)),
                chunkFile(c, c.full(), 0), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertRefused(c.target(), keys, c.third().snapshot(), "chunk 0 of snapshot " + c.full().snapshot(),
                "another backup", foreign.snapshot());
    }

    @Test
    void missingLinkOfTheChainIsRefused() throws Exception {
        Chain c = chain();
        c.target().delete(c.second().snapshot());
        assertFalse(c.target().snapshots().contains(c.second().snapshot()));
        assertRefused(c.target(), keys, c.third().snapshot(), "builds on snapshot " + c.second().snapshot(),
                "missing", "chain is broken");
        // The rest of the chain stays readable on its own.
        assertEquals(140, readAll(c.target(), keys, c.full().snapshot()).size());
    }

    @Test
    void folderHoldsNoPlaintextValueOrNamespaceName() throws Exception {
        Chain c = chain();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir.resolve("target"))) {
            files = walk.toList();
        }
        assertTrue(files.size() > 6, "chunks and manifests were written: " + files);
        for (Path p : files) {
            assertFalse(p.toString().contains(NAMESPACE), "a path names the namespace: " + p);
            if (Files.isRegularFile(p)) {
                String text = new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
                assertFalse(text.contains(NAMESPACE), p + " holds the namespace name in clear");
                assertFalse(text.contains(SECRET), p + " holds a value in clear");
            }
        }
    }

    @Test
    void halfWrittenSnapshotIsNeverListedAndTheNextRunCompletes() throws Exception {
        Chain c = chain();
        // An upload whose process died before commit: chunks on disk, no rename.
        var upload = c.target().begin(SnapshotIds.next(java.time.Instant.now()));
        upload.writeChunk(0, new byte[] {1, 2, 3});
        List<String> listed = c.target().snapshots();
        assertEquals(3, listed.size(), "only the three committed snapshots are listed: " + listed);
        Manifest next = write(c.target(), Optional.of(c.third()), c.third().versions(), List.of());
        assertEquals(4, c.target().snapshots().size());
        try (Stream<Path> left = Files.list(dir.resolve("target"))) {
            assertEquals(4, left.count(), "the dead upload's partial folder was removed");
        }
        assertEquals(c.all().size(), readAll(c.target(), keys, next.snapshot()).size());
    }

    @Test
    void keysDependOnlyOnTheRecoveryKey() throws Exception {
        Chain c = chain();
        BackupKeys again = BackupKeys.fromRecoveryKey(key(1));
        assertEquals(flatten(c.all()), flatten(readAll(c.target(), again, c.third().snapshot())));
        assertArrayEquals(keys.check(), again.check());
        Map<String, Long> none = new HashMap<>();
        assertThrows(IllegalArgumentException.class, () -> BackupKeys.fromRecoveryKey(new byte[31]), none.toString());
    }
}

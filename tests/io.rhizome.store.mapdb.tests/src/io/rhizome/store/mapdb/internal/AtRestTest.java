package io.rhizome.store.mapdb.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

import io.rhizome.spi.store.EntityRef;
import io.rhizome.spi.store.LogEntry;
import io.rhizome.spi.store.MetadataOwner;
import io.rhizome.spi.store.NewEntry;
import io.rhizome.spi.store.StoreException;

/**
 * The store at rest, on real MapDB files: nothing written shows in the data or redo file, a
 * changed or moved record is quarantined and never served, a plaintext home of the format before
 * sealing is sealed on its first open with all its data, and a crash between the steps of that
 * sealing leaves a home that opens.
 */
class AtRestTest {

    private static final String NAME = "entity-name-MARKER-7f3a91";
    private static final String VALUE = "entity-value-MARKER-c02e55";
    private static final String NAMESPACE = "notes";
    private static final MetadataOwner OWNER = MetadataOwner.bundle("io.rhizome.pairing");

    @TempDir
    Path folder;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private MapDbReplicaStore open() throws StoreException {
        return MapDbReplicaStore.open(StoreSettings.defaults(folder), TestStoreKey.KEY);
    }

    /** Writes one of everything, each holding a marker. */
    private void writeEverything(MapDbReplicaStore store) throws StoreException {
        store.append(List.of(new NewEntry(NAMESPACE + "|dev-a", 1, bytes("log " + VALUE + " " + NAME)),
                new NewEntry(NAMESPACE + "|dev-a", 2, bytes("second " + VALUE))), Map.of("meta/" + NAME, bytes(VALUE)));
        store.checkpoint(Map.of(new EntityRef(NAMESPACE, NAME), bytes("state " + VALUE),
                new EntityRef(NAMESPACE, "other"), bytes("state of other")), 2);
        store.metadata(OWNER).put("trusted/" + NAME, bytes("space " + VALUE));
    }

    private void assertNoMarkerIn(Path dir) throws Exception {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        assertTrue(files.stream().anyMatch(f -> f.getFileName().toString().equals(MapDbReplicaStore.DATA_FILE)));
        assertTrue(files.stream().anyMatch(f -> f.getFileName().toString().equals(MapDbReplicaStore.REDO_FILE)));
        for (Path f : files) {
            byte[] content = Files.readAllBytes(f);
            for (String marker : List.of("MARKER", HexFormat.of().formatHex(bytes("MARKER")))) {
                assertFalse(indexOf(content, bytes(marker)) >= 0, f + " holds '" + marker + "'");
            }
        }
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void aCopiedDataFolderHoldsNoEntityNameOrValue() throws Exception {
        try (MapDbReplicaStore store = open()) {
            writeEverything(store);
            Path copy = Files.createDirectories(folder.resolveSibling(folder.getFileName() + "-copy-open"));
            for (String f : List.of(MapDbReplicaStore.DATA_FILE, MapDbReplicaStore.REDO_FILE)) {
                Files.copy(folder.resolve(f), copy.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            }
            assertNoMarkerIn(copy);
        }
        assertNoMarkerIn(folder);
        try (MapDbReplicaStore store = open()) {
            assertArrayEquals(bytes("state " + VALUE), store.entityState(new EntityRef(NAMESPACE, NAME)).orElseThrow());
            assertEquals(List.of(NAME, "other"), store.checkpointedKeys(NAMESPACE));
            assertEquals(List.of(), store.checkpointedKeys("other-namespace"));
            assertArrayEquals(bytes(VALUE), store.meta("meta/" + NAME).orElseThrow());
            assertArrayEquals(bytes("space " + VALUE), store.metadata(OWNER).get("trusted/" + NAME).orElseThrow());
            assertEquals("log " + VALUE + " " + NAME, new String(store.get(NAMESPACE + "|dev-a", 1).orElseThrow().payload(),
                    StandardCharsets.UTF_8));
            assertEquals(2, store.checkpointPosition());
            assertEquals(List.of(), store.quarantined());
        }
    }

    /**
     * Flips one bit in the middle of the stored bytes of a record, in the data file and (if the
     * last commit holds its page) in the redo file, which the open replays.
     */
    private void flipBitOf(byte[] stored) throws Exception {
        boolean inData = false;
        for (String name : List.of(MapDbReplicaStore.DATA_FILE, MapDbReplicaStore.REDO_FILE)) {
            Path file = folder.resolve(name);
            byte[] content = Files.readAllBytes(file);
            for (int at = indexOf(content, stored), n = 0; at >= 0 && n < 8; at = indexOf(content, stored), n++) {
                content[at + stored.length / 2] ^= 0x10;
                inData |= name.equals(MapDbReplicaStore.DATA_FILE);
            }
            Files.write(file, content);
        }
        assertTrue(inData, "the sealed record is in the data file");
    }

    private byte[] storedState(String namespace, String key) throws Exception {
        StoreFiles files = StoreFiles.open(StoreSettings.defaults(folder), folder);
        try {
            SealedRecords sealed = new SealedRecords(new RecordSeal(TestStoreKey.KEY), folder);
            return files.maps().states.get(sealed.stateKey(namespace, key));
        } finally {
            files.discardAndClose();
        }
    }

    @Test
    void aFlippedBitInACheckpointIsQuarantinedReportedAndNeverServedAndTheLogRebuildsIt() throws Exception {
        try (MapDbReplicaStore store = open()) {
            writeEverything(store);
        }
        flipBitOf(storedState(NAMESPACE, NAME));

        try (MapDbReplicaStore store = open()) {
            assertTrue(store.entityState(new EntityRef(NAMESPACE, NAME)).isEmpty(), "the changed state is never served");
            assertTrue(store.entityState(new EntityRef(NAMESPACE, "other")).isEmpty(),
                    "every checkpoint is dropped, so a replay from 0 counts nothing twice");
            assertEquals(0, store.checkpointPosition(), "the engine rebuilds every entity from the whole log");
            assertEquals(2, store.head(), "the log, the source of truth, is whole");
            List<LogEntry> log = store.read(0, 10, 1 << 20);
            assertEquals(2, log.size());
            assertFalse(store.quarantined().isEmpty());
            assertTrue(store.quarantined().get(0).contains("checkpoint quarantined"), store.quarantined().toString());
            assertTrue(String.join("\n", store.quarantined()).contains("rebuilt from the change-set log"));
            assertTrue(store.quarantineKept() >= 1, "the damaged record is kept in quarantine");
            // the metadata was not touched
            assertArrayEquals(bytes(VALUE), store.meta("meta/" + NAME).orElseThrow());
            // the engine's new checkpoint after its replay is kept
            store.checkpoint(Map.of(new EntityRef(NAMESPACE, NAME), bytes("state " + VALUE)), 2);
        }
        try (MapDbReplicaStore store = open()) {
            assertEquals(List.of(), store.quarantined(), "reported once, by the open that found it");
            assertTrue(store.quarantineKept() >= 1, "and kept in quarantine after that open");
            assertArrayEquals(bytes("state " + VALUE), store.entityState(new EntityRef(NAMESPACE, NAME)).orElseThrow());
            assertEquals(2, store.checkpointPosition());
        }
    }

    @Test
    void aFlippedBitInAMetadataRecordIsQuarantinedAndAbsent() throws Exception {
        try (MapDbReplicaStore store = open()) {
            writeEverything(store);
        }
        StoreFiles files = StoreFiles.open(StoreSettings.defaults(folder), folder);
        byte[] stored;
        try {
            stored = files.maps().spaces.get(MapDbMetadataSpace.prefix(OWNER) + "trusted/" + NAME);
        } finally {
            files.discardAndClose();
        }
        flipBitOf(stored);
        try (MapDbReplicaStore store = open()) {
            assertTrue(store.metadata(OWNER).get("trusted/" + NAME).isEmpty(), "never served");
            assertEquals(1, store.quarantined().size(), store.quarantined().toString());
            assertTrue(store.quarantined().get(0).contains("metadata record quarantined"));
            assertArrayEquals(bytes("state " + VALUE), store.entityState(new EntityRef(NAMESPACE, NAME)).orElseThrow(),
                    "checkpoints are kept when only metadata was damaged");
        }
    }

    @Test
    void aDamagedAuthorsRecordIsMadeAgainFromTheIndexAndADamagedLogChunkIsNeverServed() throws Exception {
        try (MapDbReplicaStore store = open()) {
            writeEverything(store);
            store.append(List.of(new NewEntry("other|dev-b", 1, bytes("b1")), new NewEntry("other|dev-b", 3, bytes("b3"))), Map.of());
        }
        StoreFiles files = StoreFiles.open(StoreSettings.defaults(folder), folder);
        byte[] authors;
        byte[] chunk;
        try {
            authors = files.maps().records.get(StoreMaps.RECORD_AUTHORS);
            chunk = files.maps().log.get(0L);
        } finally {
            files.discardAndClose();
        }
        flipBitOf(authors);
        try (MapDbReplicaStore store = open()) {
            assertEquals(Map.of(NAMESPACE + "|dev-a", 2L, "other|dev-b", 1L), store.streamSeqs());
            assertEquals(1, store.quarantined().size(), store.quarantined().toString());
            assertTrue(store.quarantined().get(0).contains("made again from the index"));
            assertArrayEquals(bytes("state " + VALUE), store.entityState(new EntityRef(NAMESPACE, NAME)).orElseThrow());
        }
        flipBitOf(chunk);
        try (MapDbReplicaStore store = open()) {
            StoreException e = assertThrows(StoreException.class, () -> store.read(0, 10, 1 << 20));
            assertTrue(e.getMessage().contains("log chunk at position 0 is damaged"), e.getMessage());
            assertThrows(StoreException.class, () -> store.get(NAMESPACE + "|dev-a", 1));
            assertEquals("b3", new String(store.get("other|dev-b", 3).orElseThrow().payload(), StandardCharsets.UTF_8),
                    "the other chunks are served");
        }
    }

    @Test
    void aRecordMovedToAnotherKeyDoesNotOpen() throws Exception {
        try (MapDbReplicaStore store = open()) {
            writeEverything(store);
        }
        RecordSeal seal = new RecordSeal(TestStoreKey.KEY);
        SealedRecords sealed = new SealedRecords(seal, folder);
        StoreFiles files = StoreFiles.open(StoreSettings.defaults(folder), folder);
        try {
            BTreeMap<String, byte[]> states = files.maps().states;
            states.put(sealed.stateKey(NAMESPACE, "other"), states.get(sealed.stateKey(NAMESPACE, NAME)));
            BTreeMap<String, byte[]> meta = files.maps().meta;
            meta.put("meta/moved", meta.get("meta/" + NAME));
            files.db().commit();
        } finally {
            files.discardAndClose();
        }
        try (MapDbReplicaStore store = open()) {
            assertTrue(store.entityState(new EntityRef(NAMESPACE, "other")).isEmpty(), "the moved state is not served");
            assertTrue(store.meta("meta/moved").isEmpty(), "the moved metadata record is not served");
            assertArrayEquals(bytes(VALUE), store.meta("meta/" + NAME).orElseThrow(), "the original still opens");
            assertEquals(0, store.checkpointPosition());
            assertEquals(3, store.quarantined().size(), store.quarantined().toString());
        }
        byte[] record = seal.seal("states", "a", bytes("x"));
        assertThrows(RecordSeal.DamagedRecordException.class, () -> seal.open("states", "b", record));
        assertThrows(RecordSeal.DamagedRecordException.class, () -> seal.open("meta", "a", record));
        assertArrayEquals(bytes("x"), seal.open("states", "a", record));
        byte[] otherKey = TestStoreKey.KEY.clone();
        otherKey[0] ^= 1;
        assertThrows(RecordSeal.DamagedRecordException.class, () -> new RecordSeal(otherKey).open("states", "a", record));
    }

    @Test
    void aStoreOpenedWithAnotherKeyIsRefusedWithASentenceAndLeftAsItWas() throws Exception {
        try (MapDbReplicaStore store = open()) {
            writeEverything(store);
        }
        byte[] before = Files.readAllBytes(folder.resolve(MapDbReplicaStore.DATA_FILE));
        byte[] otherKey = TestStoreKey.KEY.clone();
        otherKey[5] ^= 1;
        StoreException e = assertThrows(StoreException.class, () -> MapDbReplicaStore.open(StoreSettings.defaults(folder), otherKey));
        assertTrue(e.getMessage().contains("sealed under another store key"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(folder.resolve(MapDbReplicaStore.DATA_FILE)));
        try (MapDbReplicaStore store = open()) {
            assertEquals(List.of(), store.quarantined());
            assertArrayEquals(bytes("state " + VALUE), store.entityState(new EntityRef(NAMESPACE, NAME)).orElseThrow());
        }
    }

    // ------------------------------------------------------------------ plaintext homes (format 3)

    /**
     * Writes a store file as the version before sealing did (format 3): the same trees, plaintext
     * log chunks, author record, index segments, state keys {@code length:namespace key}, metadata
     * and spaces, and the checkpoint position in {@code sys}.
     */
    private void writeFormat3() throws Exception {
        PagedRedoVolume volume = PagedRedoVolume.open(folder.resolve(MapDbReplicaStore.DATA_FILE),
                folder.resolve(MapDbReplicaStore.REDO_FILE), 64);
        DB db = DBMaker.volumeDB(volume, false).make();
        BTreeMap<Long, byte[]> log = db.treeMap("log", Serializer.LONG, Serializer.BYTE_ARRAY).valuesOutsideNodesEnable().createOrOpen();
        BTreeMap<String, long[]> seq = db.treeMap("seq", Serializer.STRING, Serializer.LONG_ARRAY).valuesOutsideNodesEnable()
                .createOrOpen();
        BTreeMap<String, byte[]> records = db.treeMap("records", Serializer.STRING, Serializer.BYTE_ARRAY)
                .valuesOutsideNodesEnable().createOrOpen();
        BTreeMap<String, byte[]> meta = db.treeMap("meta", Serializer.STRING, Serializer.BYTE_ARRAY).valuesOutsideNodesEnable()
                .createOrOpen();
        BTreeMap<String, byte[]> states = db.treeMap("states", Serializer.STRING, Serializer.BYTE_ARRAY)
                .valuesOutsideNodesEnable().createOrOpen();
        BTreeMap<String, Long> sys = db.treeMap("sys", Serializer.STRING, Serializer.LONG).createOrOpen();
        BTreeMap<String, byte[]> spaces = db.treeMap("spaces", Serializer.STRING, Serializer.BYTE_ARRAY)
                .valuesOutsideNodesEnable().createOrOpen();
        String stream = NAMESPACE + "|dev-a";
        List<byte[]> entries = new ArrayList<>();
        for (int i = 1; i <= 600; i++) {
            entries.add(LogCodec.encode(new NewEntry(stream, i, bytes("log " + i + " " + VALUE))));
        }
        // two chunks (the second from position 512), as the committer cut them
        log.put(0L, LogCodec.encodeChunk(entries.subList(0, 512)));
        log.put(512L, LogCodec.encodeChunk(entries.subList(512, 600)));
        for (int i = 1; i <= 600; i++) {
            String key = StoreMaps.segmentKey(stream, i);
            long[] s = seq.containsKey(key) ? seq.get(key) : new long[StoreMaps.SEGMENT];
            s[i & (StoreMaps.SEGMENT - 1)] = i; // position i-1, stored + 1
            seq.put(key, s);
        }
        records.put(StoreMaps.RECORD_AUTHORS, LogCodec.encodeAuthors(Map.of(stream, new long[] {600, 600})));
        states.put(LogCodec.entityKey(NAMESPACE, NAME), bytes("state " + VALUE));
        states.put(LogCodec.entityKey(NAMESPACE, "other"), bytes("state of other"));
        states.put(LogCodec.entityKey("no", "tes" + NAME), bytes("state in namespace no"));
        meta.put("meta/" + NAME, bytes(VALUE));
        spaces.put(MapDbMetadataSpace.prefix(OWNER) + "trusted/" + NAME, bytes("space " + VALUE));
        sys.put("format", 3L);
        sys.put("head", 600L);
        sys.put("checkpoint", 550L);
        db.commit();
        db.close();
        volume.close();
    }

    private void assertFormat3DataIsAllThere(MapDbReplicaStore store) throws StoreException {
        String stream = NAMESPACE + "|dev-a";
        assertEquals(600, store.head());
        assertEquals(Map.of(stream, 600L), store.streamSeqs());
        List<LogEntry> all = new ArrayList<>();
        long from = 0;
        for (int round = 0; round < 100 && from < 600; round++) {
            List<LogEntry> part = store.read(from, 100, 1 << 20);
            all.addAll(part);
            from = part.get(part.size() - 1).position() + 1;
        }
        assertEquals(600, all.size());
        for (int i = 1; i <= 600; i++) {
            LogEntry e = all.get(i - 1);
            assertEquals(i - 1, e.position());
            assertEquals(i, e.seq());
            assertEquals("log " + i + " " + VALUE, new String(e.payload(), StandardCharsets.UTF_8));
        }
        assertEquals("log 555 " + VALUE, new String(store.get(stream, 555).orElseThrow().payload(), StandardCharsets.UTF_8));
        assertEquals(550, store.checkpointPosition());
        assertArrayEquals(bytes("state " + VALUE), store.entityState(new EntityRef(NAMESPACE, NAME)).orElseThrow());
        assertArrayEquals(bytes("state in namespace no"), store.entityState(new EntityRef("no", "tes" + NAME)).orElseThrow());
        assertEquals(List.of(NAME, "other"), store.checkpointedKeys(NAMESPACE));
        assertEquals(List.of("tes" + NAME), store.checkpointedKeys("no"));
        assertArrayEquals(bytes(VALUE), store.meta("meta/" + NAME).orElseThrow());
        assertArrayEquals(bytes("space " + VALUE), store.metadata(OWNER).get("trusted/" + NAME).orElseThrow());
        assertEquals(List.of(), store.quarantined());
    }

    @Test
    void aPlaintextHomeIsSealedOnItsFirstOpenWithAllItsData() throws Exception {
        writeFormat3();
        assertTrue(indexOf(Files.readAllBytes(folder.resolve(MapDbReplicaStore.DATA_FILE)), bytes("MARKER")) >= 0,
                "the fixture is plaintext");
        try (MapDbReplicaStore store = open()) {
            assertFormat3DataIsAllThere(store);
            store.append(List.of(new NewEntry(NAMESPACE + "|dev-a", 601, bytes("after"))), Map.of());
        }
        assertNoMarkerIn(folder);
        assertFalse(Files.exists(folder.resolve(PlaintextMigration.SEALING)));
        assertFalse(Files.exists(folder.resolve(PlaintextMigration.SEALED)));
        try (MapDbReplicaStore store = open()) {
            assertEquals(601, store.head());
            assertArrayEquals(bytes("state " + VALUE), store.entityState(new EntityRef(NAMESPACE, NAME)).orElseThrow());
        }
    }

    @Test
    void aCrashWhileTheSealedCopyIsBuiltLeavesThePlaintextHomeWhichIsSealedAgain() throws Exception {
        writeFormat3();
        byte[] plain = Files.readAllBytes(folder.resolve(MapDbReplicaStore.DATA_FILE));
        PlaintextMigration.writeSealedCopy(StoreSettings.defaults(folder), new RecordSeal(TestStoreKey.KEY));
        // the copy is cut short: its data file truncated, as a crash in the middle would leave it
        Path half = folder.resolve(PlaintextMigration.SEALING).resolve(MapDbReplicaStore.DATA_FILE);
        byte[] copy = Files.readAllBytes(half);
        Files.write(half, java.util.Arrays.copyOf(copy, copy.length / 3));
        assertArrayEquals(plain, Files.readAllBytes(folder.resolve(MapDbReplicaStore.DATA_FILE)), "the old store is untouched");

        try (MapDbReplicaStore store = open()) {
            assertFormat3DataIsAllThere(store);
        }
        assertNoMarkerIn(folder);
        assertFalse(Files.exists(folder.resolve(PlaintextMigration.SEALING)));
    }

    @Test
    void aCrashAfterTheCopyIsCompleteIsFinishedByTheNextOpen() throws Exception {
        writeFormat3();
        PlaintextMigration.writeSealedCopy(StoreSettings.defaults(folder), new RecordSeal(TestStoreKey.KEY));
        PlaintextMigration.markComplete(folder);
        try (MapDbReplicaStore store = open()) {
            assertFormat3DataIsAllThere(store);
        }
        assertNoMarkerIn(folder);
        assertFalse(Files.exists(folder.resolve(PlaintextMigration.SEALED)));
    }

    @Test
    void aCrashBetweenTheTwoRenamesIsFinishedByTheNextOpen() throws Exception {
        writeFormat3();
        PlaintextMigration.writeSealedCopy(StoreSettings.defaults(folder), new RecordSeal(TestStoreKey.KEY));
        PlaintextMigration.markComplete(folder);
        // the first of the two renames done (the redo file), the data file still the plaintext one
        Files.move(folder.resolve(PlaintextMigration.SEALED).resolve(MapDbReplicaStore.REDO_FILE),
                folder.resolve(MapDbReplicaStore.REDO_FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        try (MapDbReplicaStore store = open()) {
            assertFormat3DataIsAllThere(store);
        }
        assertNoMarkerIn(folder);
    }
}

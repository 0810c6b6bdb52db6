package io.rhizome.store.mapdb.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.rhizome.spi.store.NewEntry;
import io.rhizome.spi.store.StoreException;

/** Corrupt and locked folders, and crashes inside a commit, simulated in-process. */
class MapDbStoreFailureTest {

    @TempDir
    Path folder;

    private static NewEntry entry(String author, long seq) {
        return new NewEntry(author, seq, (author + seq).getBytes());
    }

    @Test
    void aCorruptStoreFileIsReportedByName() throws Exception {
        byte[] garbage = new byte[2 << 20];
        new Random(42).nextBytes(garbage);
        Files.write(folder.resolve(MapDbReplicaStore.DATA_FILE), garbage);
        StoreException e = assertThrows(StoreException.class,
                () -> MapDbReplicaStore.open(StoreSettings.defaults(folder), TestStoreKey.KEY));
        assertTrue(e.getMessage().contains(folder.resolve(MapDbReplicaStore.DATA_FILE).toString()),
                "the message names the file: " + e.getMessage());
        // The failed open released the folder: once the file is gone, a store opens there.
        Files.delete(folder.resolve(MapDbReplicaStore.DATA_FILE));
        MapDbReplicaStore.open(StoreSettings.defaults(folder), TestStoreKey.KEY).close();
    }

    @Test
    void aTruncatedStoreFileIsReportedByName() throws Exception {
        try (MapDbReplicaStore store = MapDbReplicaStore.open(StoreSettings.defaults(folder), TestStoreKey.KEY)) {
            store.append(List.of(entry("a", 1)), Map.of());
        }
        Path file = folder.resolve(MapDbReplicaStore.DATA_FILE);
        byte[] whole = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(whole, 40));
        StoreException e = assertThrows(StoreException.class,
                () -> MapDbReplicaStore.open(StoreSettings.defaults(folder), TestStoreKey.KEY));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void aFolderInUseIsRefusedNamingTheLockFile() throws Exception {
        try (MapDbReplicaStore first = MapDbReplicaStore.open(StoreSettings.defaults(folder), TestStoreKey.KEY)) {
            first.append(List.of(entry("a", 1)), Map.of());
            StoreException e = assertThrows(StoreException.class,
                    () -> MapDbReplicaStore.open(StoreSettings.defaults(folder), TestStoreKey.KEY));
            assertTrue(e.getMessage().contains(folder.resolve(MapDbReplicaStore.LOCK_FILE).toString()), e.getMessage());
            assertEquals(1, first.head(), "the refused open did not disturb the open store");
        }
        try (MapDbReplicaStore again = MapDbReplicaStore.open(StoreSettings.defaults(folder), TestStoreKey.KEY)) {
            assertEquals(1, again.head());
        }
    }

    @Test
    void aCrashAfterTheRedoFileIsDurableKeepsTheWholeBatch() throws Exception {
        MapDbReplicaStore store = MapDbReplicaStore.open(StoreSettings.defaults(folder), TestStoreKey.KEY);
        java.util.concurrent.CountDownLatch told = new java.util.concurrent.CountDownLatch(1);
        store.onFailure(told::countDown);
        store.append(List.of(entry("a", 1)), Map.of("m", "1".getBytes()));
        store.volume().setCrashHook(stage -> {
            if (stage == PagedRedoVolume.Stage.REDO_WRITTEN) {
                throw new PagedRedoVolumeTest.SimulatedCrash();
            }
        });
        assertThrows(StoreException.class,
                () -> store.append(List.of(entry("a", 2), entry("a", 3)), Map.of("m", "3".getBytes())));
        assertThrows(StoreException.class, () -> store.read(0, 10, 100), "a failed store refuses further calls");
        assertTrue(told.await(10, java.util.concurrent.TimeUnit.SECONDS), "the owner is told of the failure");
        store.close();

        try (MapDbReplicaStore reopened = MapDbReplicaStore.open(StoreSettings.defaults(folder), TestStoreKey.KEY)) {
            assertEquals(3, reopened.head());
            assertEquals(Map.of("a", 3L), reopened.streamSeqs());
            assertArrayEquals("3".getBytes(), reopened.meta("m").orElseThrow());
            assertEquals(2, reopened.get("a", 3).orElseThrow().position());
        }
    }

    @Test
    void aCrashBeforeTheRedoFileIsCompleteLosesTheWholeBatchAndNothingElse() throws Exception {
        MapDbReplicaStore store = MapDbReplicaStore.open(StoreSettings.defaults(folder), TestStoreKey.KEY);
        store.append(List.of(entry("a", 1)), Map.of("m", "1".getBytes()));
        store.volume().setCrashHook(stage -> {
            if (stage == PagedRedoVolume.Stage.REDO_WRITTEN) {
                throw new PagedRedoVolumeTest.SimulatedCrash();
            }
        });
        assertThrows(StoreException.class,
                () -> store.append(List.of(entry("a", 2), entry("a", 3)), Map.of("m", "3".getBytes())));
        store.close();
        // The crash came before all of the record reached the disk: part of it still holds older
        // bytes (the redo file is overwritten in place).
        Path redo = folder.resolve(MapDbReplicaStore.REDO_FILE);
        byte[] full = Files.readAllBytes(redo);
        for (int i = 40; i < 48; i++) {
            full[i] ^= 0x5A;
        }
        Files.write(redo, full);

        try (MapDbReplicaStore reopened = MapDbReplicaStore.open(StoreSettings.defaults(folder), TestStoreKey.KEY)) {
            assertEquals(1, reopened.head());
            assertEquals(Map.of("a", 1L), reopened.streamSeqs());
            assertArrayEquals("1".getBytes(), reopened.meta("m").orElseThrow());
            assertTrue(reopened.get("a", 2).isEmpty());
            // and the store goes on normally
            assertEquals(1, reopened.append(List.of(entry("a", 2)), Map.of()).get(0).position());
        }
    }

    @Test
    void aSpaceUpdateCutShortBeforeItsRedoRecordIsCompleteChangesNoKeyOfIt() throws Exception {
        io.rhizome.spi.store.MetadataOwner owner = io.rhizome.spi.store.MetadataOwner.bundle("io.example.crash");
        MapDbReplicaStore store = MapDbReplicaStore.open(StoreSettings.defaults(folder), TestStoreKey.KEY);
        store.metadata(owner).update(io.rhizome.spi.store.MetadataUpdate.builder().put("a", "1".getBytes())
                .put("b", "1".getBytes()).build());
        store.volume().setCrashHook(stage -> {
            if (stage == PagedRedoVolume.Stage.REDO_WRITTEN) {
                throw new PagedRedoVolumeTest.SimulatedCrash();
            }
        });
        assertThrows(StoreException.class, () -> store.metadata(owner).update(io.rhizome.spi.store.MetadataUpdate.builder()
                .put("a", "2".getBytes()).delete("b").put("c", "2".getBytes()).build()));
        store.close();
        Path redo = folder.resolve(MapDbReplicaStore.REDO_FILE);
        byte[] full = Files.readAllBytes(redo);
        for (int i = 40; i < 48; i++) {
            full[i] ^= 0x5A;
        }
        Files.write(redo, full);

        try (MapDbReplicaStore reopened = MapDbReplicaStore.open(StoreSettings.defaults(folder), TestStoreKey.KEY)) {
            var space = reopened.metadata(owner);
            assertArrayEquals("1".getBytes(), space.get("a").orElseThrow());
            assertArrayEquals("1".getBytes(), space.get("b").orElseThrow());
            assertTrue(space.get("c").isEmpty());
        }
    }

    @Test
    void aCheckpointBeyondTheHeadIsRefusedAndChangesNothing() throws Exception {
        try (MapDbReplicaStore store = MapDbReplicaStore.open(StoreSettings.defaults(folder), TestStoreKey.KEY)) {
            store.append(List.of(entry("a", 1)), Map.of());
            assertThrows(IllegalArgumentException.class,
                    () -> store.checkpoint(Map.of(new io.rhizome.spi.store.EntityRef("n", "k"), new byte[] {1}), 5));
            assertEquals(0, store.checkpointPosition());
            assertTrue(store.checkpointedKeys("n").isEmpty());
            assertThrows(IllegalArgumentException.class, () -> store.read(-1, 1, 1));
            assertThrows(IllegalArgumentException.class, () -> store.read(0, 0, 1));
        }
    }
}

package io.rhizome.store.mapdb.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

import io.rhizome.spi.store.MetadataOwner;
import io.rhizome.spi.store.NewEntry;
import io.rhizome.spi.store.StoreException;

/**
 * A home written before metadata spaces existed (store format 2: pairing's, the peer book's and
 * the device id's records side by side in one tree) opens with every record in its owner's space,
 * moved once, in one commit.
 */
class LegacyMetadataTest {

    @TempDir
    Path folder;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Writes a store file exactly as format 2 did: the same maps, markers and metadata keys. */
    private void writeFormat2(Map<String, byte[]> meta) throws Exception {
        PagedRedoVolume volume = PagedRedoVolume.open(folder.resolve(MapDbReplicaStore.DATA_FILE),
                folder.resolve(MapDbReplicaStore.REDO_FILE), 64);
        DB db = DBMaker.volumeDB(volume, false).make();
        db.treeMap("log", Serializer.LONG, Serializer.BYTE_ARRAY).valuesOutsideNodesEnable().createOrOpen();
        db.treeMap("seq", Serializer.STRING, Serializer.LONG_ARRAY).valuesOutsideNodesEnable().createOrOpen();
        db.treeMap("records", Serializer.STRING, Serializer.BYTE_ARRAY).valuesOutsideNodesEnable().createOrOpen();
        BTreeMap<String, byte[]> m = db.treeMap("meta", Serializer.STRING, Serializer.BYTE_ARRAY).valuesOutsideNodesEnable()
                .createOrOpen();
        db.treeMap("states", Serializer.STRING, Serializer.BYTE_ARRAY).valuesOutsideNodesEnable().createOrOpen();
        BTreeMap<String, Long> sys = db.treeMap("sys", Serializer.STRING, Serializer.LONG).createOrOpen();
        sys.put("format", 2L);
        sys.put("head", 0L);
        sys.put("checkpoint", 0L);
        m.putAll(meta);
        db.commit();
        db.close();
        volume.close();
    }

    @Test
    void aFormat2HomeOpensWithItsRecordsInTheirSpacesOnce() throws Exception {
        writeFormat2(Map.of("pairing/trusted/dev-b", bytes("B"), "pairing/revoked/dev-c", bytes("C"),
                "pairing/self-revoked", bytes("S"), "peer/dev-b", bytes("peer B"), "device/id", bytes("dev-a"),
                "cursor/x", bytes("engine's own")));

        try (MapDbReplicaStore store = MapDbReplicaStore.open(StoreSettings.defaults(folder), TestStoreKey.KEY)) {
            var pairing = store.metadata(MetadataOwner.bundle("io.rhizome.pairing"));
            assertEquals(List.of("revoked/dev-c", "self-revoked", "trusted/dev-b"), new ArrayList<>(pairing.scan("").keySet()));
            assertArrayEquals(bytes("B"), pairing.get("trusted/dev-b").orElseThrow());
            assertArrayEquals(bytes("S"), pairing.get("self-revoked").orElseThrow());
            assertArrayEquals(bytes("peer B"), store.metadata(MetadataOwner.engine("peers")).get("dev-b").orElseThrow());
            assertArrayEquals(bytes("dev-a"), store.metadata(MetadataOwner.engine("device")).get("id").orElseThrow());
            assertEquals(List.of("cursor/x"), new ArrayList<>(store.metaWithPrefix("").keySet()),
                    "only keys of no owner stay store metadata");
            // once moved, a key written with an old prefix is store metadata like any other
            store.putMeta(Map.of("peer/late", bytes("L")));
            pairing.delete("self-revoked");
        }
        try (MapDbReplicaStore store = MapDbReplicaStore.open(StoreSettings.defaults(folder), TestStoreKey.KEY)) {
            assertTrue(store.meta("peer/late").isPresent(), "the move ran once, not on every open");
            assertTrue(store.metadata(MetadataOwner.engine("peers")).get("late").isEmpty());
            assertTrue(store.metadata(MetadataOwner.bundle("io.rhizome.pairing")).get("self-revoked").isEmpty());
            assertEquals(2, store.metadata(MetadataOwner.bundle("io.rhizome.pairing")).scan("").size());
        }
    }

    @Test
    void aCrashDuringTheMoveLeavesTheHomeAsItWasAndTheNextOpenMovesIt() throws Exception {
        writeFormat2(Map.of("pairing/trusted/dev-b", bytes("B"), "peer/dev-b", bytes("peer B")));
        // The move happens in the sealed copy (PlaintextMigration); a crash while it is built leaves
        // the folder of the copy behind and the format-2 file untouched.
        PlaintextMigration.writeSealedCopy(StoreSettings.defaults(folder), new RecordSeal(TestStoreKey.KEY));
        assertTrue(java.nio.file.Files.isDirectory(folder.resolve(PlaintextMigration.SEALING)));

        try (MapDbReplicaStore store = MapDbReplicaStore.open(StoreSettings.defaults(folder), TestStoreKey.KEY)) {
            assertArrayEquals(bytes("B"), store.metadata(MetadataOwner.bundle("io.rhizome.pairing")).get("trusted/dev-b")
                    .orElseThrow());
            assertArrayEquals(bytes("peer B"), store.metadata(MetadataOwner.engine("peers")).get("dev-b").orElseThrow());
            assertTrue(store.metaWithPrefix("").isEmpty());
            store.append(List.of(new NewEntry("a", 1, bytes("x"))), Map.of());
        }
        assertTrue(!java.nio.file.Files.exists(folder.resolve(PlaintextMigration.SEALING)));
    }


    @Test
    void aStoreOfAnUnknownFormatIsRefusedNamingIt() throws Exception {
        writeFormat2(Map.of());
        PagedRedoVolume volume = PagedRedoVolume.open(folder.resolve(MapDbReplicaStore.DATA_FILE),
                folder.resolve(MapDbReplicaStore.REDO_FILE), 64);
        DB db = DBMaker.volumeDB(volume, true).make();
        db.treeMap("sys", Serializer.STRING, Serializer.LONG).createOrOpen().put("format", 9L);
        db.commit();
        db.close();
        volume.close();
        StoreException e = assertThrows(StoreException.class, () -> MapDbReplicaStore.open(StoreSettings.defaults(folder), TestStoreKey.KEY));
        assertTrue(e.getMessage().contains("format 9"), e.getMessage());
    }
}

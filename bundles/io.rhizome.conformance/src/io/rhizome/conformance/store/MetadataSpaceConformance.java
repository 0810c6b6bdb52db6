package io.rhizome.conformance.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.rhizome.spi.store.MetadataOwner;
import io.rhizome.spi.store.MetadataSpace;
import io.rhizome.spi.store.MetadataUpdate;
import io.rhizome.spi.store.ReplicaStore;

/**
 * The behaviour of every store's {@link MetadataSpace metadata spaces}: owners never share a key,
 * a space survives closing and re-opening its store, an update is all or nothing.
 * {@link ReplicaStoreConformance} includes these cases; a store that is not a full replica store
 * (the in-memory one of the tests) subclasses this alone. Each test gets a fresh empty folder.
 */
public abstract class MetadataSpaceConformance {

    /** Opens a store on {@code folder}, creating it when empty. */
    protected abstract ReplicaStore open(Path folder) throws Exception;

    /** Closes a store so that its folder can be opened again. */
    protected abstract void close(ReplicaStore store) throws Exception;

    @TempDir
    protected Path folder;

    protected ReplicaStore store;

    @BeforeEach
    void openStore() throws Exception {
        store = open(folder);
    }

    @AfterEach
    void closeStore() throws Exception {
        if (store != null) {
            close(store);
        }
    }

    /** Closes and opens the store again on the same folder. */
    protected void reopen() throws Exception {
        close(store);
        store = null;
        store = open(folder);
    }

    protected static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private MetadataSpace bundle(String name) {
        return store.metadata(MetadataOwner.bundle(name));
    }

    private MetadataSpace engine(String name) {
        return store.metadata(MetadataOwner.engine(name));
    }

    @Test
    void aNewSpaceIsEmpty() throws Exception {
        MetadataSpace s = bundle("io.example.fresh");
        assertEquals(MetadataOwner.bundle("io.example.fresh"), s.owner());
        assertTrue(s.get("k").isEmpty());
        assertTrue(s.scan("").isEmpty());
    }

    @Test
    void twoOwnersWithTheSameKeyDoNotCollide() throws Exception {
        bundle("io.example.a").put("k", bytes("bundle a"));
        bundle("io.example.b").put("k", bytes("bundle b"));
        engine("io.example.a").put("k", bytes("engine a"));
        // owner + key spelling the same string must not meet either
        bundle("ab").put("c", bytes("ab/c"));
        bundle("a").put("bc", bytes("a/bc"));
        store.putMeta(java.util.Map.of("k", bytes("store meta")));

        assertArrayEquals(bytes("bundle a"), bundle("io.example.a").get("k").orElseThrow());
        assertArrayEquals(bytes("bundle b"), bundle("io.example.b").get("k").orElseThrow());
        assertArrayEquals(bytes("engine a"), engine("io.example.a").get("k").orElseThrow());
        assertArrayEquals(bytes("ab/c"), bundle("ab").get("c").orElseThrow());
        assertArrayEquals(bytes("a/bc"), bundle("a").get("bc").orElseThrow());
        assertTrue(bundle("a").get("c").isEmpty() && bundle("ab").get("bc").isEmpty());
        assertEquals(List.of("bc"), new ArrayList<>(bundle("a").scan("").keySet()), "a scan sees its own space only");
        assertEquals(List.of("k"), new ArrayList<>(store.metaWithPrefix("").keySet()), "spaces are not store metadata");

        bundle("io.example.a").delete("k");
        assertTrue(bundle("io.example.a").get("k").isEmpty());
        assertArrayEquals(bytes("bundle b"), bundle("io.example.b").get("k").orElseThrow(), "a delete stays in its space");
        assertArrayEquals(bytes("engine a"), engine("io.example.a").get("k").orElseThrow());
    }

    @Test
    void scanReturnsTheKeysWithAPrefixSorted() throws Exception {
        MetadataSpace s = bundle("io.example.scan");
        MetadataUpdate.Builder u = MetadataUpdate.builder();
        for (String key : List.of("trusted/b", "trusted/a", "trustedx", "revoked/a", "trusted/c/1", "trust")) {
            u.put(key, bytes(key));
        }
        s.update(u.build());
        assertEquals(List.of("trusted/a", "trusted/b", "trusted/c/1"), new ArrayList<>(s.scan("trusted/").keySet()));
        assertArrayEquals(bytes("trusted/b"), s.scan("trusted/").get("trusted/b"));
        assertEquals(6, s.scan("").size());
        assertTrue(s.scan("zzz").isEmpty());
    }

    @Test
    void anUpdateAppliesEveryChangeAndTheLaterOfTwoChangesToAKeyWins() throws Exception {
        MetadataSpace s = bundle("io.example.update");
        s.update(MetadataUpdate.builder().put("a", bytes("1")).put("b", bytes("1")).put("c", bytes("1")).build());
        s.update(MetadataUpdate.builder().put("a", bytes("2")).delete("b").put("d", bytes("2")).delete("c")
                .put("c", bytes("3")).put("d", bytes("x")).delete("d").build());
        assertArrayEquals(bytes("2"), s.get("a").orElseThrow());
        assertTrue(s.get("b").isEmpty());
        assertArrayEquals(bytes("3"), s.get("c").orElseThrow());
        assertTrue(s.get("d").isEmpty());
        s.update(MetadataUpdate.builder().build());
        assertEquals(List.of("a", "c"), new ArrayList<>(s.scan("").keySet()));
    }

    @Test
    void valuesReadAreCopies() throws Exception {
        MetadataSpace s = bundle("io.example.copies");
        byte[] value = bytes("v");
        s.put("k", value);
        value[0] = 'x';
        s.get("k").orElseThrow()[0] = 'y';
        s.scan("").get("k")[0] = 'z';
        assertArrayEquals(bytes("v"), s.get("k").orElseThrow());
    }

    @Test
    void aSpaceIsDurableAcrossReopen() throws Exception {
        bundle("io.example.durable").update(MetadataUpdate.builder().put("trusted/x", bytes("X")).put("self", bytes("S"))
                .build());
        bundle("io.example.durable").delete("self");
        engine("peers").put("p1", bytes("P1"));

        reopen();

        assertEquals(List.of("trusted/x"), new ArrayList<>(bundle("io.example.durable").scan("").keySet()));
        assertArrayEquals(bytes("X"), bundle("io.example.durable").get("trusted/x").orElseThrow());
        assertArrayEquals(bytes("P1"), engine("peers").get("p1").orElseThrow());
        assertTrue(bundle("peers").get("p1").isEmpty(), "an engine space is not the bundle space of the same name");
    }

    @Test
    void aFailedUpdateChangesNothing() throws Exception {
        MetadataSpace s = bundle("io.example.atomic");
        s.update(MetadataUpdate.builder().put("a", bytes("1")).put("b", bytes("1")).build());

        IllegalArgumentException tooBig = assertThrows(IllegalArgumentException.class, () -> s.update(MetadataUpdate.builder()
                .put("a", bytes("2")).delete("b").put("c", new byte[MetadataSpace.MAX_VALUE_BYTES + 1]).build()));
        assertTrue(tooBig.getMessage().contains("'c'"), "the message names the key: " + tooBig.getMessage());
        assertThrows(IllegalArgumentException.class, () -> s.update(MetadataUpdate.builder().put("a", bytes("2"))
                .put("x".repeat(MetadataSpace.MAX_KEY_LENGTH + 1), bytes("1")).build()));
        assertThrows(IllegalArgumentException.class,
                () -> s.update(MetadataUpdate.builder().delete("b").put("", bytes("1")).build()));
        assertThrows(IllegalArgumentException.class,
                () -> s.update(MetadataUpdate.builder().delete("b").put("e", new byte[0]).build()), "a value is never empty");

        assertArrayEquals(bytes("1"), s.get("a").orElseThrow());
        assertArrayEquals(bytes("1"), s.get("b").orElseThrow());
        assertEquals(List.of("a", "b"), new ArrayList<>(s.scan("").keySet()));
        reopen();
        assertEquals(List.of("a", "b"), new ArrayList<>(bundle("io.example.atomic").scan("").keySet()));
        assertArrayEquals(bytes("1"), bundle("io.example.atomic").get("a").orElseThrow());
    }
}

package io.rhizome.backup.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceRegistration;
import org.osgi.util.tracker.ServiceTracker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;

import io.rhizome.api.BackupException;
import io.rhizome.api.BackupService;
import io.rhizome.api.ReplicaArchive;
import io.rhizome.api.SyncService;
import io.rhizome.spi.crypto.RecoveryService;
import io.rhizome.spi.namespace.NamespaceDefinition;
import io.rhizome.spi.namespace.SyncScope;
import io.rhizome.spi.store.ReplicaStore;
import io.rhizome.testsupport.Await;
import io.rhizome.testsupport.MemoryReplicaStore;

/**
 * The backup service in a real framework with the real engine, CRDT types and Bouncy Castle key and
 * recovery services: a full snapshot and a chain of incrementals of every built-in type, restored
 * into a fresh replica (the engine restarted on a new, empty store) with the 24 words, equal export
 * for export; wrong words and a home with data refused with nothing written.
 */
class BackupServiceTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("gc", "g-counter"), Map.entry("pc", "pn-counter"), Map.entry("gs", "g-set"), Map.entry("os", "or-set"),
            Map.entry("reg", "lww-register"), Map.entry("mv", "mv-register"), Map.entry("lm", "lww-map"), Map.entry("om", "or-map"),
            Map.entry("ls", "list"), Map.entry("tx", "text"));
    /** BIP39's all-zero-entropy phrase: valid words, but not this node's. */
    private static final List<String> OTHER_WORDS;

    static {
        List<String> w = new ArrayList<>(Collections.nCopies(23, "abandon"));
        w.add("art");
        OTHER_WORDS = List.copyOf(w);
    }

    @TempDir
    Path dir;

    private BundleContext context;
    private final List<ServiceRegistration<ReplicaStore>> stores = new ArrayList<>();
    private ServiceTracker<BackupService, BackupService> backups;
    private ServiceTracker<SyncService, SyncService> syncs;
    private ServiceTracker<ReplicaArchive, ReplicaArchive> archives;
    private ServiceTracker<RecoveryService, RecoveryService> recovery;

    @BeforeEach
    void setUp() throws Exception {
        context = FrameworkUtil.getBundle(BackupServiceTest.class).getBundleContext();
        for (Bundle b : context.getBundles()) {
            String name = b.getSymbolicName();
            if (name.startsWith("io.rhizome.") && b.getHeaders().get(Constants.FRAGMENT_HOST) == null
                    && b.getState() != Bundle.ACTIVE) {
                b.start();
            }
        }
        backups = open(BackupService.class);
        syncs = open(SyncService.class);
        archives = open(ReplicaArchive.class);
        recovery = open(RecoveryService.class);
    }

    private <T> ServiceTracker<T, T> open(Class<T> type) {
        ServiceTracker<T, T> t = new ServiceTracker<>(context, type, null);
        t.open();
        return t;
    }

    @AfterEach
    void tearDown() {
        for (ServiceRegistration<ReplicaStore> r : stores) {
            try {
                r.unregister();
            } catch (IllegalStateException gone) {
                // already unregistered
            }
        }
        backups.close();
        syncs.close();
        archives.close();
        recovery.close();
    }

    /** Registers a new empty store ranked above the previous ones: the engine restarts on it. */
    private ReplicaArchive freshReplica() {
        MemoryReplicaStore store = new MemoryReplicaStore();
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(ReplicaStore.KIND_PROPERTY, "memory");
        props.put(Constants.SERVICE_RANKING, 5000 + stores.size());
        ReplicaArchive before = archives.getService();
        stores.add(context.registerService(ReplicaStore.class, store, props));
        Await.until(WAIT, "the engine runs on the new store", () -> {
            ReplicaArchive a = archives.getService();
            return a != null && a != before && a.size() == 0 && backups.getService() != null
                    && syncs.getService() != null;
        });
        return archives.getService();
    }

    private static void writeEveryType(SyncService s, int n) throws Exception {
        s.increment("gc", "k", 3);
        s.increment("pc", "k", -2);
        s.add("gs", "k", TextNode.valueOf("g" + n));
        s.add("os", "k", TextNode.valueOf("o" + n));
        if (n > 1) {
            s.remove("os", "k", TextNode.valueOf("o" + (n - 1)));
        }
        s.put("reg", "k" + n, TextNode.valueOf("r" + n));
        s.put("mv", "k", TextNode.valueOf("m" + n));
        s.setField("lm", "k", "f" + n, IntNode.valueOf(n));
        s.mutate("om", "k", JSON.readTree("{\"op\":\"update\",\"key\":\"hits\",\"type\":\"g-counter\",\"intent\":{\"op\":\"increment\",\"by\":1}}"));
        s.insertValues("ls", "k", 0, List.of(TextNode.valueOf("l" + n)));
        s.insertText("tx", "k", 0, "t" + n + " ");
    }

    private static Map<String, JsonNode> exports(SyncService s) {
        Map<String, JsonNode> out = new HashMap<>();
        for (String ns : TYPES.keySet()) {
            for (String key : s.keys(ns)) {
                out.put(ns + "/" + key, s.exportValue(ns, key).orElseThrow());
            }
        }
        return out;
    }

    @Test
    void fullThenIncrementalsRestoreIntoAFreshReplicaWithTheWordsAlone() throws Exception {
        freshReplica();
        SyncService original = syncs.getService();
        TYPES.forEach((ns, type) -> original.declare(NamespaceDefinition.of(ns, type)));
        original.declare(new NamespaceDefinition("private", "lww-register", SyncScope.LOCAL_ONLY, Optional.empty()));
        original.put("private", "k", TextNode.valueOf("stays on this device"));
        FolderTarget target = new FolderTarget(dir.resolve("backups"));
        BackupService service = backups.getService();

        writeEveryType(original, 1);
        BackupService.Snapshot full = service.backup(target, BackupService.Progress.NONE);
        assertTrue(full.full());
        writeEveryType(original, 2);
        BackupService.Snapshot second = service.backup(target, BackupService.Progress.NONE);
        assertEquals(Optional.of(full.id()), second.previous());
        writeEveryType(original, 3);
        List<long[]> progress = new ArrayList<>();
        BackupService.Snapshot third = service.backup(target, (b, c, t) -> progress.add(new long[] {b, c}));
        assertEquals(Optional.of(second.id()), third.previous());
        assertFalse(progress.isEmpty(), "progress is reported per chunk");
        assertTrue(second.changeSets() < full.changeSets() + 10 + 1, "an incremental holds only the new change sets");
        Map<String, JsonNode> before = exports(original);
        assertEquals(List.of(full.id(), second.id(), third.id()),
                service.verify(target, BackupService.Progress.NONE).stream().map(BackupService.Snapshot::id).toList());

        // A home with data is refused, and nothing changes in it.
        BackupException notEmpty = assertThrows(BackupException.class,
                () -> service.restore(target, recovery.getService().mnemonic(), BackupService.Progress.NONE));
        assertTrue(notEmpty.getMessage().contains("already holds"), notEmpty.getMessage());
        assertEquals(before, exports(original));

        List<String> words = recovery.getService().mnemonic();
        ReplicaArchive fresh = freshReplica();
        SyncService restored = syncs.getService();
        assertNotSame(original, restored);
        assertEquals(Map.of(), exports(restored));

        BackupException wrong = assertThrows(BackupException.class,
                () -> backups.getService().restore(target, OTHER_WORDS, BackupService.Progress.NONE));
        assertTrue(wrong.getMessage().contains("recovery words do not open snapshot " + third.id()), wrong.getMessage());
        assertEquals(0L, fresh.size(), "nothing written after wrong words");

        List<Integer> restoreChunks = new ArrayList<>();
        BackupService.Restored r = backups.getService().restore(target, words, (b, c, t) -> restoreChunks.add(t));
        assertEquals(third.id(), r.snapshot());
        assertEquals(3, r.snapshots());
        assertEquals(full.chunks() + second.chunks() + third.chunks(), restoreChunks.get(0), "the total is known on restore");
        assertEquals(before, exports(restored), "restore equals the original for every type");
        assertEquals(9L, restored.get("gc", "k").orElseThrow().asLong());
        assertTrue(restored.get("private", "k").isEmpty(), "local-only data is not in the backup");
    }

    @Test
    void aDamagedChunkRefusesTheRestoreAndWritesNothing() throws Exception {
        freshReplica();
        SyncService original = syncs.getService();
        TYPES.forEach((ns, type) -> original.declare(NamespaceDefinition.of(ns, type)));
        writeEveryType(original, 1);
        FolderTarget target = new FolderTarget(dir.resolve("backups"));
        BackupService.Snapshot full = backups.getService().backup(target, BackupService.Progress.NONE);
        Path chunk = dir.resolve("backups").resolve(full.id()).resolve(FolderTarget.chunkName(0));
        byte[] bytes = Files.readAllBytes(chunk);
        bytes[bytes.length - 3] ^= 1;
        Files.write(chunk, bytes);
        List<String> words = recovery.getService().mnemonic();

        ReplicaArchive fresh = freshReplica();
        BackupException e = assertThrows(BackupException.class,
                () -> backups.getService().restore(target, words, BackupService.Progress.NONE));
        assertTrue(e.getMessage().contains("chunk 0 of snapshot " + full.id() + " is damaged"), e.getMessage());
        assertTrue(e.getMessage().contains("nothing was restored"), e.getMessage());
        assertEquals(0L, fresh.size());
        BackupException verify = assertThrows(BackupException.class,
                () -> backups.getService().verify(target, BackupService.Progress.NONE));
        assertTrue(verify.getMessage().contains("damaged"), verify.getMessage());
    }
}

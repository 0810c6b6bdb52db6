package io.rhizome.store.mapdb.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;

import io.rhizome.spi.store.LogSummary;
import io.rhizome.spi.store.MetadataOwner;
import io.rhizome.spi.store.MetadataSpace;
import io.rhizome.spi.store.NewEntry;
import io.rhizome.spi.store.ReplicaStore;
import io.rhizome.testsupport.Await;
import io.rhizome.testsupport.PluginBundleBuilder;

/**
 * The DS component in Equinox + Felix SCR + ConfigAdmin: the store is registered as a
 * {@code store.kind=mapdb} service under {@code ${rhizome.home}/data}, follows its configured
 * folder, and is not registered while its folder is corrupt; each bundle that gets the
 * {@link MetadataSpace} service gets its own space.
 */
class MapDbStoreComponentTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private BundleContext context;
    private ServiceTracker<ReplicaStore, ReplicaStore> tracker;
    private Configuration configuration;
    private ServiceTracker<ConfigurationAdmin, ConfigurationAdmin> cmTracker;

    @BeforeEach
    void setUp() throws Exception {
        Bundle host = FrameworkUtil.getBundle(MapDbReplicaStore.class);
        context = host.getBundleContext() != null ? host.getBundleContext()
                : FrameworkUtil.getBundle(getClass()).getBundleContext();
        if (host.getState() != Bundle.ACTIVE) {
            host.start();
            context = host.getBundleContext();
        }
        tracker = new ServiceTracker<>(context, ReplicaStore.class, null);
        tracker.open();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (configuration != null) {
            configuration.delete();
            Await.until(WAIT, "the store is back in the default folder", () -> location() != null
                    && location().equals(defaultFolder().toString()));
        }
        tracker.close();
        if (cmTracker != null) {
            cmTracker.close();
        }
    }

    private Path defaultFolder() {
        return Path.of(Objects.requireNonNull(context.getProperty("rhizome.home"),
                "tests run with -Drhizome.home (tests/pom.xml)")).resolve("data").toAbsolutePath();
    }

    private String location() {
        ServiceReference<ReplicaStore> ref = tracker.getServiceReference();
        return ref == null ? null : (String) ref.getProperty("store.location");
    }

    private ConfigurationAdmin configAdmin() throws InterruptedException {
        // The tracker stays open for the whole test: closing it ungets ConfigurationAdmin, which
        // invalidates the instance handed out.
        if (cmTracker == null) {
            cmTracker = new ServiceTracker<>(context, ConfigurationAdmin.class, null);
            cmTracker.open();
        }
        ConfigurationAdmin admin = cmTracker.waitForService(WAIT.toMillis());
        assertNotNull(admin, "ConfigurationAdmin runs in the test framework");
        return admin;
    }

    private void configureFolder(Path folder) throws Exception {
        configuration = configAdmin().getConfiguration(MapDbStoreComponent.PID, "?");
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("folder", folder.toString());
        configuration.update(props);
    }

    private static boolean unlocked(Path lockFile) {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(lockFile,
                java.nio.file.StandardOpenOption.WRITE)) {
            java.nio.channels.FileLock lock = ch.tryLock();
            if (lock == null) {
                return false;
            }
            lock.release();
            return true;
        } catch (java.nio.channels.OverlappingFileLockException e) {
            return false;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Test
    void storeServiceIsRegisteredInTheHomeDataFolderAndWorks() throws Exception {
        Await.until(WAIT, "a ReplicaStore service", () -> tracker.getService() != null);
        ServiceReference<ReplicaStore> ref = tracker.getServiceReference();
        assertEquals("mapdb", ref.getProperty(ReplicaStore.KIND_PROPERTY));
        ReplicaStore store = tracker.getService();
        assertEquals(defaultFolder().toString(), store.location());
        assertTrue(Files.exists(defaultFolder().resolve(MapDbReplicaStore.DATA_FILE)));
        long head = store.head();
        String author = "component-test-" + System.nanoTime();
        assertEquals(head, store.append(List.of(new NewEntry(author, 1, new byte[] {1})), Map.of()).get(0).position());
        assertEquals(1L, store.streamSeqs().get(author));
        // sealed under the store key the key service keeps (made on the first start, then kept)
        ServiceTracker<io.rhizome.spi.crypto.KeyService, io.rhizome.spi.crypto.KeyService> keys = new ServiceTracker<>(context,
                io.rhizome.spi.crypto.KeyService.class, null);
        keys.open();
        try {
            io.rhizome.spi.crypto.KeyService keyService = keys.waitForService(WAIT.toMillis());
            assertNotNull(keyService, "the Bouncy Castle key service runs in the test framework");
            byte[] storeKey = keyService.secret(MapDbStoreComponent.STORE_KEY_SECRET, () -> {
                throw new AssertionError("the store did not keep its key in the key service");
            });
            assertEquals(RecordSeal.KEY_LENGTH, storeKey.length);
        } finally {
            keys.close();
        }
        assertEquals(0, ref.getProperty(MapDbStoreComponent.QUARANTINED_PROPERTY));
        assertEquals("", ref.getProperty(MapDbStoreComponent.QUARANTINE_REPORTS_PROPERTY));
        assertEquals(0, ref.getProperty(MapDbStoreComponent.QUARANTINE_KEPT_PROPERTY));
    }

    @Test
    void aStoreThatFailsWithdrawsItsServiceAndIsReopenedByItself() throws Exception {
        Path folder = dir.resolve("failing");
        configureFolder(folder);
        Await.until(WAIT, "the store in the configured folder", () -> folder.toAbsolutePath().toString().equals(location()));
        MapDbReplicaStore store = (MapDbReplicaStore) tracker.getService();
        store.putMeta(Map.of("before", new byte[] {3}));
        java.util.List<Integer> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        org.osgi.framework.ServiceListener listener = e -> events.add(e.getType());
        context.addServiceListener(listener, "(objectClass=" + ReplicaStore.class.getName() + ")");
        try {
            store.volume().setCrashHook(stage -> {
                throw new PagedRedoVolumeTest.SimulatedCrash();
            });
            io.rhizome.spi.store.StoreException refused = org.junit.jupiter.api.Assertions.assertThrows(
                    io.rhizome.spi.store.StoreException.class, () -> store.putMeta(Map.of("x", new byte[] {1})));
            assertTrue(refused.getMessage().contains("stored"), "the answer says whether it was stored: " + refused.getMessage());
            Await.until(WAIT, "the failed store's service to be withdrawn", () -> events.contains(
                    org.osgi.framework.ServiceEvent.UNREGISTERING));
            io.rhizome.spi.store.StoreException after = org.junit.jupiter.api.Assertions.assertThrows(
                    io.rhizome.spi.store.StoreException.class, () -> store.putMeta(Map.of("y", new byte[] {1})));
            assertTrue(after.getMessage().startsWith(Committer.NOT_STORED), "a later write is told it was not stored, not "
                    + "that an earlier commit is safe: " + after.getMessage());
            // reopened from its files, without a restart or a configuration change
            Await.until(WAIT, "a reopened store in the same folder", () -> tracker.getService() != null
                    && tracker.getService() != store && folder.toAbsolutePath().toString().equals(location()));
            ReplicaStore reopened = tracker.getService();
            assertEquals(3, reopened.meta("before").orElseThrow()[0], "what was stored before the failure is there");
            assertTrue(reopened.meta("y").isEmpty(), "what was refused is not");
            reopened.putMeta(Map.of("z", new byte[] {9}));
            assertEquals(9, reopened.meta("z").orElseThrow()[0], "and it takes writes again");
        } finally {
            context.removeServiceListener(listener);
        }
    }

    @Test
    void theConfiguredFolderIsUsedAndACorruptOneLeavesNoService() throws Exception {
        Path good = dir.resolve("good");
        configureFolder(good);
        Await.until(WAIT, "the store in the configured folder", () -> good.toAbsolutePath().toString().equals(location()));
        tracker.getService().putMeta(Map.of("x", new byte[] {7}));

        Path corrupt = dir.resolve("corrupt");
        Files.createDirectories(corrupt);
        byte[] garbage = new byte[1 << 20];
        Arrays.fill(garbage, (byte) 0x5A);
        Files.write(corrupt.resolve(MapDbReplicaStore.DATA_FILE), garbage);
        configureFolder(corrupt);
        Await.until(WAIT, "the store of the good folder to go away", () -> !good.toAbsolutePath().toString()
                .equals(location()));
        // The component tried the corrupt folder (it took and released the folder lock) ...
        Path lockFile = corrupt.resolve(MapDbReplicaStore.LOCK_FILE);
        Await.until(WAIT, "the component to try the corrupt folder", () -> Files.exists(lockFile) && unlocked(lockFile));
        // ... and registered nothing.
        assertEquals(null, tracker.getServiceReference(), "no ReplicaStore service while the folder is corrupt");

        configureFolder(good);
        Await.until(WAIT, "the store is back", () -> good.toAbsolutePath().toString().equals(location()));
        assertEquals(7, tracker.getService().meta("x").orElseThrow()[0], "the data of the good folder is still there");
    }

    @Test
    void eachBundleGetsTheMetadataSpaceOfItsOwnName() throws Exception {
        Await.until(WAIT, "a ReplicaStore service", () -> tracker.getService() != null);
        String tag = Long.toString(System.nanoTime());
        Bundle first = context.installBundle("test:space-a-" + tag,
                new java.io.ByteArrayInputStream(new PluginBundleBuilder("io.example.space.a" + tag).build()));
        Bundle second = context.installBundle("test:space-b-" + tag,
                new java.io.ByteArrayInputStream(new PluginBundleBuilder("io.example.space.b" + tag).build()));
        try {
            first.start();
            second.start();
            MetadataSpace a = space(first);
            MetadataSpace b = space(second);
            assertEquals(MetadataOwner.bundle("io.example.space.a" + tag), a.owner());
            assertEquals(MetadataOwner.bundle("io.example.space.b" + tag), b.owner());
            a.put("trusted/x", new byte[] {1});
            b.put("trusted/x", new byte[] {2});
            assertEquals(1, a.get("trusted/x").orElseThrow()[0]);
            assertEquals(2, b.get("trusted/x").orElseThrow()[0]);
            assertEquals(1, tracker.getService().metadata(MetadataOwner.bundle("io.example.space.a" + tag)).get("trusted/x")
                    .orElseThrow()[0], "the service hands out the store's space of the consuming bundle");
            assertTrue(tracker.getService().meta("trusted/x").isEmpty());

            ServiceReference<LogSummary> summary = first.getBundleContext().getServiceReference(LogSummary.class);
            assertEquals(tracker.getService().head(), first.getBundleContext().getService(summary).changeSets());
        } finally {
            first.uninstall();
            second.uninstall();
        }
    }

    private MetadataSpace space(Bundle consumer) throws InterruptedException {
        BundleContext bc = consumer.getBundleContext();
        Await.until(WAIT, "a MetadataSpace service", () -> bc.getServiceReference(MetadataSpace.class) != null);
        return bc.getService(bc.getServiceReference(MetadataSpace.class));
    }
}

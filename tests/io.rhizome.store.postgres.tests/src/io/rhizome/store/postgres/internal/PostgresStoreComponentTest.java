package io.rhizome.store.postgres.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
import io.rhizome.testsupport.postgres.PostgresServer;

/**
 * In the OSGi framework (which chose {@code rhizome.store=postgres}, see the pom): configuring
 * PID {@code io.rhizome.store.postgres} through ConfigAdmin registers the store, its bundle-scoped
 * metadata spaces and the log summary; deleting the configuration withdraws them.
 */
class PostgresStoreComponentTest {

    private static PostgresServer server;

    @TempDir
    Path dir;

    @BeforeAll
    static void startServer() throws Exception {
        server = PostgresServer.start();
        server.createDatabase("component");
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aConfigurationRegistersTheStoreAndItsDeletionWithdrawsIt() throws Exception {
        BundleContext context = FrameworkUtil.getBundle(PostgresStoreComponentTest.class).getBundleContext();
        ServiceTracker<ConfigurationAdmin, ConfigurationAdmin> cmTracker = new ServiceTracker<>(context, ConfigurationAdmin.class, null);
        cmTracker.open();
        ServiceTracker<ReplicaStore, ReplicaStore> stores = new ServiceTracker<>(context,
                context.createFilter("(&(objectClass=" + ReplicaStore.class.getName() + ")(store.kind=postgres))"), null);
        stores.open();
        try {
            ConfigurationAdmin cm = cmTracker.waitForService(30_000);
            assertNotNull(cm, "ConfigAdmin is running");
            Path passwordFile = dir.resolve("pg-password");
            Files.writeString(passwordFile, server.password() + "\n");
            Configuration config = cm.getConfiguration(PostgresStoreComponent.PID, "?");
            Hashtable<String, Object> props = new Hashtable<>();
            props.put("url", server.url("component"));
            props.put("user", server.user());
            props.put("passwordFile", passwordFile.toString());
            config.update(props);

            ReplicaStore store = stores.waitForService(60_000);
            assertNotNull(store, "the store is registered once configured");
            ServiceReference<ReplicaStore> ref = stores.getServiceReference();
            assertEquals(server.url("component"), ref.getProperty("store.location"));
            assertEquals(server.url("component"), store.location());
            store.append(List.of(new NewEntry("notes|dev", 1, "x".getBytes(StandardCharsets.UTF_8))), Map.of());
            assertEquals("1", server.sql("component", "SELECT count(*) FROM rhizome_log WHERE stream = 'notes|dev'"));

            ServiceReference<LogSummary> summary = context.getServiceReference(LogSummary.class);
            assertNotNull(summary);
            assertTrue(context.getService(summary).changeSets() >= 1);
            context.ungetService(summary);

            ServiceReference<MetadataSpace> spaceRef = context.getServiceReference(MetadataSpace.class);
            MetadataSpace space = context.getService(spaceRef);
            assertEquals(MetadataOwner.bundle(context.getBundle().getSymbolicName()), space.owner(),
                    "the bundle-scoped service gives the consuming bundle its own space");
            space.put("k", "v".getBytes(StandardCharsets.UTF_8));
            assertArrayEquals("v".getBytes(StandardCharsets.UTF_8),
                    store.metadata(space.owner()).get("k").orElseThrow());
            context.ungetService(spaceRef);

            config.delete();
            Await.until(Duration.ofSeconds(30), "the store service withdrawn after its configuration was deleted",
                    () -> stores.getService() == null);
        } finally {
            stores.close();
            cmTracker.close();
        }
    }
}

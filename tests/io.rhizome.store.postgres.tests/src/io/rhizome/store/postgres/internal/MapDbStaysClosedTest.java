package io.rhizome.store.postgres.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.util.tracker.ServiceTracker;

import io.rhizome.spi.store.ReplicaStore;
import io.rhizome.testsupport.Await;

/**
 * A node that chose {@code rhizome.store=postgres} (this test framework, see the pom) with the MapDB
 * store bundle and a key service started: the MapDB component is active but opened nothing and
 * registered nothing.
 */
class MapDbStaysClosedTest {

    @Test
    void theMapDbStoreOpensNoFileAndRegistersNoStore() throws Exception {
        BundleContext context = FrameworkUtil.getBundle(MapDbStaysClosedTest.class).getBundleContext();
        assertEquals("postgres", context.getProperty("rhizome.store"));
        Bundle mapdb = Arrays.stream(context.getBundles()).filter(b -> "io.rhizome.store.mapdb".equals(b.getSymbolicName()))
                .findFirst().orElseThrow(() -> new AssertionError("the MapDB store bundle is in the test runtime"));
        // the MapDB component needs a key service (its store key) before it activates at all
        Bundle keys = Arrays.stream(context.getBundles()).filter(b -> "io.rhizome.crypto.bc".equals(b.getSymbolicName()))
                .findFirst().orElseThrow(() -> new AssertionError("the Bouncy Castle key service bundle is in the test runtime"));
        for (Bundle b : new Bundle[] {keys, mapdb}) {
            if (b.getState() != Bundle.ACTIVE) {
                b.start();
            }
        }
        ServiceTracker<ServiceComponentRuntime, ServiceComponentRuntime> scrTracker =
                new ServiceTracker<>(context, ServiceComponentRuntime.class, null);
        scrTracker.open();
        try {
            ServiceComponentRuntime scr = scrTracker.waitForService(30_000);
            assertNotNull(scr, "SCR is running");
            Await.until(Duration.ofSeconds(30), "the MapDB store component activated", () -> {
                ComponentDescriptionDTO d = scr.getComponentDescriptionDTO(mapdb,
                        "io.rhizome.store.mapdb.internal.MapDbStoreComponent");
                return d != null && scr.getComponentConfigurationDTOs(d).stream()
                        .anyMatch(c -> c.state == ComponentConfigurationDTO.ACTIVE);
            });
            assertEquals(0, context.getServiceReferences(ReplicaStore.class, "(store.kind=mapdb)").size(),
                    "no MapDB ReplicaStore is registered");
            // the test home outlives a run (target/ is not cleaned): a file from an earlier run must not have been touched
            Path file = Path.of(context.getProperty("rhizome.home"), "data", "replica.mapdb");
            long frameworkStarted = context.getBundle(0).getLastModified();
            assertFalse(Files.exists(file) && Files.getLastModifiedTime(file).toMillis() >= frameworkStarted,
                    "no MapDB file was opened in this run: " + file);
        } finally {
            scrTracker.close();
        }
    }
}

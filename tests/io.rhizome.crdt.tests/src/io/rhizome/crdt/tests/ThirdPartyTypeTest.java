package io.rhizome.crdt.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import io.rhizome.api.PluginInfo;
import io.rhizome.api.PluginKind;
import io.rhizome.api.PluginRegistry;
import io.rhizome.api.clock.HlcTimestamp;
import io.rhizome.testsupport.crdt.MaxRegisterReplica;
import io.rhizome.testsupport.crdt.MaxRegisterType;
import io.rhizome.spi.crdt.CrdtReplica;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crdt.ReplicaContext;
import io.rhizome.testsupport.Await;
import io.rhizome.testsupport.PluginBundleBuilder;

/**
 * A third party adds a CRDT type at run time only by registering a {@link CrdtType} service from
 * its own bundle: the plugin registry lists it next to the built-in types while the bundle runs,
 * replicas of it work through the SPI, and it is gone when the bundle stops.
 */
class ThirdPartyTypeTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private Bundle plugin;

    @AfterEach
    void uninstall() throws Exception {
        if (plugin != null && plugin.getState() != Bundle.UNINSTALLED) {
            plugin.uninstall();
        }
    }

    private static Optional<PluginInfo> find(PluginRegistry registry, String name) {
        return registry.plugins(PluginKind.CRDT_TYPE).stream().filter(p -> p.name().equals(name)).findFirst();
    }

    @Test
    void typeBundleIsPickedUpAndDroppedAtRunTime() throws Exception {
        BundleContext context = BuiltinTypes.context();
        BuiltinTypes.ensureStarted();
        for (Bundle b : context.getBundles()) {
            if ("io.rhizome.core".equals(b.getSymbolicName()) && b.getState() != Bundle.ACTIVE) {
                b.start();
            }
        }
        ServiceTracker<PluginRegistry, PluginRegistry> tracker = new ServiceTracker<>(context, PluginRegistry.class, null);
        tracker.open();
        try {
            PluginRegistry registry = tracker.waitForService(WAIT.toMillis());
            assertNotNull(registry, "the engine's plugin registry is running");
            Await.until(WAIT, "the built-in types are listed",
                    () -> find(registry, "text").isPresent() && find(registry, "or-map").isPresent());
            assertEquals("io.rhizome.crdt", find(registry, "text").orElseThrow().bundle());
            assertTrue(find(registry, MaxRegisterType.NAME).isEmpty(), "not there before the plugin runs");

            byte[] jar = new PluginBundleBuilder("acme.crdt.maxregister")
                    .header("Import-Package", "io.rhizome.spi.crdt;version=\"[0.1,0.2)\","
                            + "io.rhizome.api.clock;version=\"[0.1,0.2)\","
                            + "com.fasterxml.jackson.databind;version=\"[2.15,3)\","
                            + "com.fasterxml.jackson.databind.node;version=\"[2.15,3)\"")
                    .addComponent(MaxRegisterType.class, CrdtType.class, Map.of(CrdtType.TYPE_PROPERTY, MaxRegisterType.NAME))
                    .addClass(MaxRegisterReplica.class)
                    .build();
            plugin = context.installBundle("test:acme.crdt.maxregister", new ByteArrayInputStream(jar));
            plugin.start();
            Await.until(WAIT, "the registry lists the third-party type", () -> find(registry, MaxRegisterType.NAME).isPresent());
            assertEquals("acme.crdt.maxregister", find(registry, MaxRegisterType.NAME).orElseThrow().bundle());

            // The service comes from the plugin bundle's own class loader, and works through the SPI.
            ServiceReference<?>[] refs = context.getServiceReferences(CrdtType.class.getName(),
                    "(" + CrdtType.TYPE_PROPERTY + "=" + MaxRegisterType.NAME + ")");
            assertNotNull(refs);
            assertEquals(plugin, refs[0].getBundle());
            CrdtType type = (CrdtType) context.getService(refs[0]);
            assertNotSame(MaxRegisterType.class, type.getClass(), "loaded by the plugin bundle, not the test bundle");
            CrdtReplica a = type.newReplica(ReplicaContext.of("a"));
            CrdtReplica b = type.newReplica(ReplicaContext.of("b"));
            HlcTimestamp now = new HlcTimestamp(1, 0);
            byte[] x = a.mutate(JsonNodeFactory.instance.objectNode().put("op", "set").put("value", 7), now);
            byte[] y = b.mutate(JsonNodeFactory.instance.objectNode().put("op", "set").put("value", 3), now);
            a.apply(y);
            b.apply(x);
            assertEquals(7, a.value().intValue());
            assertEquals(a.value(), b.value());
            context.ungetService(refs[0]);

            plugin.stop();
            Await.until(WAIT, "the registry drops the stopped type", () -> find(registry, MaxRegisterType.NAME).isEmpty());
            assertTrue(find(registry, "text").isPresent(), "built-in types are unaffected");

            plugin.start();
            Await.until(WAIT, "the registry lists the restarted type", () -> find(registry, MaxRegisterType.NAME).isPresent());
            plugin.uninstall();
            Await.until(WAIT, "the registry drops the uninstalled type", () -> find(registry, MaxRegisterType.NAME).isEmpty());
        } finally {
            tracker.close();
        }
    }
}

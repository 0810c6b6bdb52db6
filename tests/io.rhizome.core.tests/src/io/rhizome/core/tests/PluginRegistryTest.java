package io.rhizome.core.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceRegistration;
import org.osgi.util.tracker.ServiceTracker;

import io.rhizome.api.PluginInfo;
import io.rhizome.api.PluginKind;
import io.rhizome.api.PluginRegistry;
import io.rhizome.core.tests.dynamic.LoopbackTestTransport;
import io.rhizome.core.tests.dynamic.MaxRegisterTestType;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.transport.Transport;
import io.rhizome.testsupport.Await;
import io.rhizome.testsupport.PluginBundleBuilder;

/**
 * The engine's plugin registry inside a real Equinox + Felix SCR: a third-party bundle, built and
 * installed at run time, is picked up when it starts and dropped when it stops.
 */
class PluginRegistryTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private BundleContext context;
    private ServiceTracker<PluginRegistry, PluginRegistry> tracker;
    private Bundle plugin;

    @BeforeEach
    void setUp() throws Exception {
        context = FrameworkUtil.getBundle(PluginRegistryTest.class).getBundleContext();
        for (Bundle b : context.getBundles()) {
            if ("io.rhizome.core".equals(b.getSymbolicName()) && b.getState() != Bundle.ACTIVE) {
                b.start();
            }
        }
        tracker = new ServiceTracker<>(context, PluginRegistry.class, null);
        tracker.open();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (plugin != null && plugin.getState() != Bundle.UNINSTALLED) {
            plugin.uninstall();
        }
        tracker.close();
    }

    private PluginRegistry registry() throws InterruptedException {
        PluginRegistry registry = tracker.waitForService(WAIT.toMillis());
        assertNotNull(registry, "the core bundle registers a PluginRegistry service");
        return registry;
    }

    private static Optional<PluginInfo> find(PluginRegistry registry, PluginKind kind, String name) {
        return registry.plugins(kind).stream().filter(p -> p.name().equals(name)).findFirst();
    }

    private Bundle install(PluginBundleBuilder builder) throws Exception {
        byte[] jar = builder.build();
        return context.installBundle("test:" + System.nanoTime(), new ByteArrayInputStream(jar));
    }

    @Test
    void transportBundleIsPickedUpWhenStartedAndDroppedWhenStopped() throws Exception {
        PluginRegistry registry = registry();
        assertTrue(find(registry, PluginKind.TRANSPORT, "test-loopback").isEmpty(), "not there before install");

        plugin = install(new PluginBundleBuilder("acme.transport.loopback")
                .header("Import-Package", "io.rhizome.spi.transport;version=\"[0.1,0.2)\"")
                .addComponent(LoopbackTestTransport.class, Transport.class, Map.of(Transport.KIND_PROPERTY, "test-loopback")));
        assertTrue(find(registry, PluginKind.TRANSPORT, "test-loopback").isEmpty(), "installed but not started: not picked up");

        plugin.start();
        Await.until(WAIT, "registry lists the started transport", () -> find(registry, PluginKind.TRANSPORT, "test-loopback").isPresent());
        PluginInfo info = find(registry, PluginKind.TRANSPORT, "test-loopback").orElseThrow();
        assertEquals("acme.transport.loopback", info.bundle());
        assertEquals("1.0.0", info.bundleVersion());
        assertEquals("test-loopback", info.properties().get(Transport.KIND_PROPERTY));

        plugin.stop();
        Await.until(WAIT, "registry drops the stopped transport", () -> find(registry, PluginKind.TRANSPORT, "test-loopback").isEmpty());

        plugin.start();
        Await.until(WAIT, "registry lists the restarted transport", () -> find(registry, PluginKind.TRANSPORT, "test-loopback").isPresent());
    }

    @Test
    void crdtTypeBundleIsPickedUpAndDroppedOnUninstall() throws Exception {
        PluginRegistry registry = registry();
        plugin = install(new PluginBundleBuilder("acme.crdt.maxregister")
                .header("Import-Package", "io.rhizome.spi.crdt;version=\"[0.1,0.2)\",io.rhizome.api.clock;version=\"[0.1,0.2)\","
                        + "com.fasterxml.jackson.databind;version=\"[2.15,3)\"")
                .addComponent(MaxRegisterTestType.class, CrdtType.class, Map.of(CrdtType.TYPE_PROPERTY, "test.max-register")));
        plugin.start();
        Await.until(WAIT, "registry lists the CRDT type", () -> find(registry, PluginKind.CRDT_TYPE, "test.max-register").isPresent());
        List<PluginInfo> all = registry.plugins();
        assertTrue(all.stream().anyMatch(p -> p.name().equals("test.max-register")), "plugins() includes every kind");

        plugin.uninstall();
        Await.until(WAIT, "registry drops the uninstalled CRDT type", () -> find(registry, PluginKind.CRDT_TYPE, "test.max-register").isEmpty());
    }

    /**
     * Two services of one CRDT type name, registered in the framework: the registry marks the one the
     * engine uses (highest ranking) active, and the other once the first goes away.
     */
    @Test
    void theActiveProviderOfANameFollowsRankingAsServicesComeAndGo() throws Exception {
        PluginRegistry registry = registry();
        String name = "test.ranked-" + System.nanoTime();
        ServiceRegistration<CrdtType> low = context.registerService(CrdtType.class, new MaxRegisterTestType(),
                new Hashtable<>(Map.of(CrdtType.TYPE_PROPERTY, name, Constants.SERVICE_RANKING, 1)));
        ServiceRegistration<CrdtType> high = context.registerService(CrdtType.class, new MaxRegisterTestType(),
                new Hashtable<>(Map.of(CrdtType.TYPE_PROPERTY, name, Constants.SERVICE_RANKING, 10)));
        try {
            long lowId = (Long) low.getReference().getProperty(Constants.SERVICE_ID);
            long highId = (Long) high.getReference().getProperty(Constants.SERVICE_ID);
            Await.until(WAIT, "registry lists both services of " + name, () -> ofName(registry, name).size() == 2);
            List<PluginInfo> both = ofName(registry, name);
            assertEquals(List.of(highId, lowId), both.stream().map(PluginInfo::serviceId).toList(), "highest ranking first");
            assertEquals(List.of(true, false), both.stream().map(PluginInfo::active).toList(), "the highest ranking is active");

            high.unregister();
            high = null;
            Await.until(WAIT, "registry drops the active service", () -> ofName(registry, name).size() == 1);
            PluginInfo left = ofName(registry, name).get(0);
            assertEquals(lowId, left.serviceId());
            assertTrue(left.active(), "the remaining service became active");
        } finally {
            low.unregister();
            if (high != null) {
                high.unregister();
            }
        }
    }

    @Test
    void exactlyOneServiceOfEachSingleChoiceKindIsActiveAndEveryTransportIs() throws Exception {
        PluginRegistry registry = registry();
        for (PluginKind kind : List.of(PluginKind.ENCRYPTION_PROVIDER, PluginKind.SYNC_POLICY, PluginKind.REPLICA_STORE,
                PluginKind.KEY_SERVICE)) {
            List<PluginInfo> ofKind = registry.plugins(kind);
            assertEquals(ofKind.isEmpty() ? 0 : 1, ofKind.stream().filter(PluginInfo::active).count(), kind + ": " + ofKind);
            if (!ofKind.isEmpty()) {
                int best = ofKind.stream().mapToInt(PluginInfo::ranking).max().orElseThrow();
                PluginInfo active = ofKind.stream().filter(PluginInfo::active).findFirst().orElseThrow();
                assertEquals(best, active.ranking(), kind + ": the active one has the highest ranking: " + ofKind);
            }
        }
        plugin = install(new PluginBundleBuilder("acme.transport.loopback")
                .header("Import-Package", "io.rhizome.spi.transport;version=\"[0.1,0.2)\"")
                .addComponent(LoopbackTestTransport.class, Transport.class, Map.of(Transport.KIND_PROPERTY, "test-loopback")));
        plugin.start();
        Await.until(WAIT, "registry lists the started transport", () -> find(registry, PluginKind.TRANSPORT, "test-loopback").isPresent());
        assertTrue(registry.plugins(PluginKind.TRANSPORT).stream().allMatch(PluginInfo::active), "all transports are used at once");
        assertEquals(registry.plugins().stream().filter(PluginInfo::active).count(),
                List.of(PluginKind.values()).stream().flatMap(k -> registry.plugins(k).stream()).filter(PluginInfo::active).count(),
                "plugins() and plugins(kind) agree on what is active");
    }

    private static List<PluginInfo> ofName(PluginRegistry registry, String name) {
        return registry.plugins(PluginKind.CRDT_TYPE).stream().filter(p -> p.name().equals(name)).toList();
    }
}

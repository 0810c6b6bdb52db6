package io.rhizome.transport.wireguard.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import io.rhizome.api.PluginInfo;
import io.rhizome.api.PluginKind;
import io.rhizome.api.PluginRegistry;
import io.rhizome.spi.crypto.KeyService;
import io.rhizome.spi.transport.Transport;
import io.rhizome.spi.transport.TransportDiagnostics;
import io.rhizome.spi.transport.TransportListener;
import io.rhizome.testsupport.Await;
import io.rhizome.transport.memory.MemoryNetwork;
import io.rhizome.transport.wireguard.internal.WireGuardTransportComponent;

/**
 * In a real OSGi framework: configured through ConfigAdmin to run WireGuard where it cannot (the
 * implementation binary is missing), the bundle registers its transport as unavailable with the
 * reason, the plugin registry shows it, start fails with "unavailable: ..." and the diagnostics say
 * the same, while the other transports stay registered. Disabling it again unregisters it.
 */
class UnavailableServiceTest {

    private static final String PID = "io.rhizome.transport.wireguard";
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final BundleContext context = FrameworkUtil.getBundle(UnavailableServiceTest.class).getBundleContext();
    private ServiceRegistration<KeyService> keys;
    private ServiceRegistration<MemoryNetwork> network;
    private Configuration config;
    private Configuration memory;

    @AfterEach
    void cleanUp() throws IOException {
        if (config != null) {
            config.delete();
        }
        if (memory != null) {
            memory.delete();
        }
        if (keys != null) {
            keys.unregister();
        }
        if (network != null) {
            network.unregister();
        }
    }

    private List<ServiceReference<Transport>> wireguard() {
        try {
            return List.copyOf(context.getServiceReferences(Transport.class, "(" + Transport.KIND_PROPERTY + "=wireguard)"));
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aMachineThatCannotRunWireGuardGetsAnUnavailableTransportWithTheReasonAndTheOthersStay() throws Exception {
        keys = context.registerService(KeyService.class, new FixedKeys("device-self"), new Hashtable<>(Map.of("service.ranking", 100)));
        ConfigurationAdmin admin = context.getService(context.getServiceReference(ConfigurationAdmin.class));
        network = context.registerService(MemoryNetwork.class, new MemoryNetwork(), new Hashtable<>());
        memory = admin.getConfiguration("io.rhizome.transport.memory", "?");
        memory.update(new Hashtable<>(Map.of("device.id", "device-self")));
        config = admin.getConfiguration(PID, "?");
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("wg.enabled", "true");
        props.put("wg.meshId", "unavailable-test");
        props.put("wg.wireguardGo", "/nonexistent/wireguard-go");
        config.update(props);

        Await.until(TIMEOUT, "the wireguard transport service is registered", () -> !wireguard().isEmpty());
        ServiceReference<Transport> ref = wireguard().get(0);
        assertEquals(Boolean.FALSE, ref.getProperty(WireGuardTransportComponent.AVAILABLE_PROPERTY));
        String reason = (String) ref.getProperty(WireGuardTransportComponent.UNAVAILABLE_PROPERTY);
        assertNotNull(reason);
        assertTrue(reason.contains("/nonexistent/wireguard-go") && reason.contains("not an executable file"), reason);

        PluginRegistry registry = context.getService(context.getServiceReference(PluginRegistry.class));
        Await.until(TIMEOUT, "the plugin registry lists the wireguard transport",
                () -> registry.plugins(PluginKind.TRANSPORT).stream().anyMatch(p -> p.name().equals("wireguard")));
        PluginInfo info = registry.plugins(PluginKind.TRANSPORT).stream().filter(p -> p.name().equals("wireguard")).findFirst().orElseThrow();
        assertEquals(reason, info.properties().get(WireGuardTransportComponent.UNAVAILABLE_PROPERTY), "the registry shows the reason: " + info);
        Await.until(TIMEOUT, "the memory transport is registered beside it",
                () -> registry.plugins(PluginKind.TRANSPORT).stream().anyMatch(p -> p.name().equals("memory")));
        ServiceReference<Transport> other = context.getServiceReferences(Transport.class, "(" + Transport.KIND_PROPERTY + "=memory)").iterator().next();
        Transport memoryTransport = context.getService(other);
        memoryTransport.start(link -> { });
        memoryTransport.stop();
        context.ungetService(other);

        Transport t = context.getService(ref);
        IOException refused = assertThrows(IOException.class, () -> t.start(new TransportListener() {
            @Override
            public void inbound(io.rhizome.spi.transport.PeerLink link) {
            }
        }));
        assertEquals("unavailable: " + reason, refused.getMessage());
        assertTrue(t.listenAddresses().isEmpty());
        Map<String, Object> local = ((TransportDiagnostics) t).localInfo();
        assertEquals(false, local.get("available"));
        assertEquals(reason, local.get("unavailable"));
        IOException noLink = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> t.connect("[fd00::1]:7300").toCompletableFuture().get()).getCause() instanceof IOException io ? io : null;
        assertNotNull(noLink, "connect on an unavailable transport fails with an IOException");
        assertTrue(noLink.getMessage().contains("unavailable: " + reason), noLink.getMessage());
        context.ungetService(ref);

        Dictionary<String, Object> off = new Hashtable<>();
        off.put("wg.enabled", "false");
        config.update(off);
        Await.until(TIMEOUT, "disabling WireGuard unregisters its transport", () -> wireguard().isEmpty());
        // the registry learns of the unregistration through its own dynamic reference, a moment later
        Await.until(TIMEOUT, "the plugin registry no longer lists the wireguard transport",
                () -> registry.plugins(PluginKind.TRANSPORT).stream().noneMatch(p -> p.name().equals("wireguard")));
    }
}

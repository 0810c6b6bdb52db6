package io.rhizome.core.tests.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;

import io.rhizome.core.internal.engine.NamespaceCatalog;
import io.rhizome.spi.namespace.NamespaceDefinition;
import io.rhizome.spi.namespace.NamespaceProvider;
import io.rhizome.spi.namespace.SyncScope;
import io.rhizome.testsupport.Await;

/**
 * Selective scopes declared through ConfigAdmin (factory PID {@code io.rhizome.namespace}, what
 * {@code POST /api/v1/ns} and {@code rhizome ns create} write): a valid predicate is declared as is,
 * a malformed one is declared too — so the name cannot fall back to the default for undeclared
 * namespaces — and the catalog reports why it is unusable.
 */
class NamespaceConfigScopeTest {

    private Optional<NamespaceDefinition> declared(ServiceTracker<NamespaceProvider, NamespaceProvider> providers, String name) {
        Object[] services = providers.getServices();
        if (services != null) {
            for (Object o : services) {
                for (NamespaceDefinition d : ((NamespaceProvider) o).namespaces()) {
                    if (d.name().equals(name)) {
                        return Optional.of(d);
                    }
                }
            }
        }
        return Optional.empty();
    }

    private NamespaceDefinition declare(ConfigurationAdmin cm, ServiceTracker<NamespaceProvider, NamespaceProvider> providers,
            List<Configuration> made, String name, String predicate) throws Exception {
        Configuration c = cm.createFactoryConfiguration("io.rhizome.namespace", "?");
        made.add(c);
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("name", name);
        props.put("crdtType", "lww-map");
        props.put("scope", "selective");
        props.put("predicate", predicate);
        c.update(props);
        AtomicReference<NamespaceDefinition> found = new AtomicReference<>();
        Await.until(Mesh.WAIT, "namespace " + name + " is declared", () -> {
            declared(providers, name).ifPresent(found::set);
            return found.get() != null;
        });
        return found.get();
    }

    @Test
    void selectivePredicatesFromConfigAdminAreCheckedByTheCatalog() throws Exception {
        BundleContext ctx = FrameworkUtil.getBundle(NamespaceConfigScopeTest.class).getBundleContext();
        ServiceTracker<ConfigurationAdmin, ConfigurationAdmin> cms = new ServiceTracker<>(ctx, ConfigurationAdmin.class, null);
        ServiceTracker<NamespaceProvider, NamespaceProvider> providers = new ServiceTracker<>(ctx, NamespaceProvider.class, null);
        cms.open();
        providers.open();
        List<Configuration> made = new java.util.ArrayList<>();
        try {
            ConfigurationAdmin cm = cms.waitForService(30_000);
            assertNotNull(cm, "ConfigAdmin is running");
            NamespaceDefinition good = declare(cm, providers, made, "cfg-open-tickets", "field status = open and age < 30d");
            NamespaceDefinition bad = declare(cm, providers, made, "cfg-broken", "colour is blue");
            assertEquals(SyncScope.selective("field status = open and age < 30d"), good.scope());
            assertEquals(SyncScope.Kind.SELECTIVE, bad.scope().kind());

            NamespaceCatalog catalog = new NamespaceCatalog();
            catalog.putSource("cm", 1_000_000, List.of(good, bad));
            assertTrue(catalog.scopeProblem(good).isEmpty());
            assertEquals("field status = \"open\" and age < 30d", catalog.predicate(good).orElseThrow().canonical());
            String why = catalog.scopeProblem(bad).orElseThrow();
            assertTrue(why.contains("colour is blue") && why.contains("is not a predicate clause"), why);
            assertEquals(Optional.of(bad), catalog.resolve("cfg-broken"), "declared, so no fall-back to the undeclared default");
        } finally {
            for (Configuration c : made) {
                c.delete();
            }
            providers.close();
            cms.close();
        }
    }
}

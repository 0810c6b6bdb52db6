package io.rhizome.crypto.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import io.rhizome.crypto.tests.consumer.ProviderConsumer;
import io.rhizome.spi.crypto.AeadAlgorithm;
import io.rhizome.spi.crypto.EncryptionProvider;
import io.rhizome.spi.crypto.KeyService.MeshKey;
import io.rhizome.spi.crypto.UnsupportedAlgorithmException;
import io.rhizome.testsupport.Await;
import io.rhizome.testsupport.PluginBundleBuilder;

/**
 * Swapping the encryption provider is configuration, not code: with both provider bundles running,
 * a ConfigAdmin change at run time moves consumers from one provider to the other, both by ranking
 * (what the engine's "highest ranking" lookup sees) and by a {@code provider.target} filter on a
 * consumer's reference.
 */
class ProviderSwapTest {

    private BundleContext context;
    private ConfigurationAdmin configAdmin;
    private Bundle consumerBundle;

    @BeforeEach
    void setUp() throws Exception {
        context = Services.context();
        configAdmin = Services.await(ConfigurationAdmin.class, null);
        Services.provider("bc");
        Services.provider("jca");
    }

    @AfterEach
    void tearDown() throws Exception {
        for (String pid : new String[] {"io.rhizome.crypto.jca", "io.rhizome.crypto.bc", "test.crypto.consumer"}) {
            Configuration[] existing = configAdmin.listConfigurations("(service.pid=" + pid + ")");
            if (existing != null) {
                for (Configuration c : existing) {
                    c.delete();
                }
            }
        }
        Await.until(Services.WAIT, "bc is the top-ranked provider again", () -> "bc".equals(topRanked()));
        if (consumerBundle != null) {
            consumerBundle.uninstall();
        }
    }

    private String topRanked() {
        ServiceReference<EncryptionProvider> ref = context.getServiceReference(EncryptionProvider.class);
        return ref == null ? null : (String) ref.getProperty(EncryptionProvider.PROVIDER_PROPERTY);
    }

    private static Dictionary<String, Object> props(String key, Object value) {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put(key, value);
        return p;
    }

    /** Asks whichever consumer instance is registered now: DS may replace it when its configuration changes. */
    private String boundProvider() {
        try {
            for (ServiceReference<?> ref : context.getServiceReferences(Supplier.class.getName(), "(consumer=crypto)")) {
                Object service = context.getService(ref);
                try {
                    return service == null ? null : (String) ((Supplier<?>) service).get();
                } finally {
                    context.ungetService(ref);
                }
            }
            return null;
        } catch (Exception e) {
            return null;
        }
    }

    @Test
    void raisingTheJcaRankingThroughConfigAdminMakesItTheProviderInUse() throws Exception {
        assertEquals("bc", topRanked(), "by default the Bouncy Castle provider ranks highest");

        configAdmin.getConfiguration("io.rhizome.crypto.jca", "?").update(props("service.ranking", 200));
        Await.until(Services.WAIT, "the JCA provider ranks highest", () -> "jca".equals(topRanked()));

        EncryptionProvider inUse = context.getService(context.getServiceReference(EncryptionProvider.class));
        assertEquals("jca", inUse.name());
        MeshKey key = new MeshKey(0, new byte[32]);
        UnsupportedAlgorithmException e = assertThrows(UnsupportedAlgorithmException.class,
                () -> inUse.seal(AeadAlgorithm.XCHACHA20_POLY1305, key, new byte[1], new byte[0]));
        assertTrue(e.getMessage().contains("XChaCha20-Poly1305"), e.getMessage());

        configAdmin.getConfiguration("io.rhizome.crypto.jca", "?").delete();
        Await.until(Services.WAIT, "deleting the configuration restores the default ranking", () -> "bc".equals(topRanked()));
    }

    @Test
    void aTargetFilterInConfigurationRebindsARunningConsumer() throws Exception {
        String xml = """
                <?xml version="1.0" encoding="UTF-8"?>
                <scr:component xmlns:scr="http://www.osgi.org/xmlns/scr/v1.5.0" name="test.crypto.consumer" immediate="true"
                    configuration-pid="test.crypto.consumer">
                  <implementation class="%s"/>
                  <service><provide interface="java.util.function.Supplier"/></service>
                  <property name="consumer" value="crypto"/>
                  <reference name="provider" interface="io.rhizome.spi.crypto.EncryptionProvider" cardinality="1..1"
                      policy="dynamic" policy-option="greedy" bind="setProvider" unbind="unsetProvider"/>
                </scr:component>
                """.formatted(ProviderConsumer.class.getName());
        byte[] jar = new PluginBundleBuilder("test.crypto.consumer")
                .header("Import-Package", "io.rhizome.spi.crypto;version=\"[0.1,0.2)\"")
                .header("Service-Component", "OSGI-INF/consumer.xml")
                .addResource("OSGI-INF/consumer.xml", xml)
                .addClass(ProviderConsumer.class)
                .build();
        consumerBundle = context.installBundle("test:crypto-consumer", new ByteArrayInputStream(jar));
        consumerBundle.start();

        Services.await(Supplier.class, "(consumer=crypto)");
        Await.until(Services.WAIT, "consumer binds the top-ranked provider", () -> "bc".equals(boundProvider()));

        configAdmin.getConfiguration("test.crypto.consumer", "?").update(props("provider.target", "(crypto.provider=jca)"));
        Await.until(Services.WAIT, "consumer rebinds to the targeted provider", () -> "jca".equals(boundProvider()));

        configAdmin.getConfiguration("test.crypto.consumer", "?").update(props("provider.target", "(crypto.provider=bc)"));
        Await.until(Services.WAIT, "consumer rebinds back", () -> "bc".equals(boundProvider()));
    }
}

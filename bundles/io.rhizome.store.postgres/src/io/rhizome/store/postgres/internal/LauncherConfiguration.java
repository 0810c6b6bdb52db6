package io.rhizome.store.postgres.internal;

import java.io.IOException;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import java.util.TreeMap;

import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds the launcher's PostgreSQL settings into ConfigAdmin: when the framework property
 * {@value #URL_PROPERTY} is set (by {@code rhizome hub} from {@code hub.postgres.url}) and the node
 * chose {@code rhizome.store=postgres}, the configuration of PID {@value PostgresStoreComponent#PID}
 * is made from the {@code rhizome.store.postgres.*} framework properties (url, user, passwordFile,
 * passwordEnv, connections; never a password) and marked {@value #SOURCE}{@code =launcher}. A
 * configuration this component made is deleted again once the launcher no longer passes a URL or
 * the node's store is MapDB; one made otherwise (the OSGi console, a bundle) is left alone.
 */
@Component(immediate = true, service = {})
public class LauncherConfiguration {

    static final String PREFIX = "rhizome.store.postgres.";
    static final String URL_PROPERTY = PREFIX + "url";
    static final String SOURCE = "rhizome.configuredBy";
    private static final String LAUNCHER = "launcher";
    private static final Logger LOG = LoggerFactory.getLogger(LauncherConfiguration.class);

    @Reference
    private ConfigurationAdmin configAdmin;

    @Activate
    void activate(BundleContext context) throws IOException {
        Configuration configuration = configAdmin.getConfiguration(PostgresStoreComponent.PID, "?");
        Dictionary<String, Object> current = configuration.getProperties();
        boolean ours = current != null && LAUNCHER.equals(current.get(SOURCE));
        Map<String, Object> wanted = wanted(context);
        if (wanted == null) {
            if (ours) {
                configuration.delete();
                LOG.info("the launcher no longer configures the PostgreSQL store: its configuration ({}) is removed",
                        PostgresStoreComponent.PID);
            }
            return;
        }
        if (current != null && !ours) {
            LOG.warn("the PostgreSQL store ({}) is configured by other means; the launcher's settings (hub.postgres.*) "
                    + "replace that configuration", PostgresStoreComponent.PID);
        }
        if (current == null || !wanted.equals(asMap(current))) {
            configuration.update(new Hashtable<>(wanted));
        }
    }

    /** The configuration the framework properties ask for, or null when they ask for none. */
    static Map<String, Object> wanted(BundleContext context) {
        String url = context.getProperty(URL_PROPERTY);
        if (url == null || url.isBlank()
                || !PostgresStoreComponent.KIND.equals(context.getProperty(PostgresStoreComponent.SELECT_PROPERTY))) {
            return null;
        }
        Map<String, Object> wanted = new TreeMap<>();
        wanted.put("url", url.trim());
        wanted.put(SOURCE, LAUNCHER);
        for (String key : new String[] {"user", "passwordFile", "passwordEnv"}) {
            String value = context.getProperty(PREFIX + key);
            if (value != null && !value.isBlank()) {
                wanted.put(key, value.trim());
            }
        }
        String connections = context.getProperty(PREFIX + "connections");
        if (connections != null && !connections.isBlank()) {
            wanted.put("connections", Integer.valueOf(connections.trim()));
        }
        return wanted;
    }

    private static Map<String, Object> asMap(Dictionary<String, Object> properties) {
        Map<String, Object> map = new TreeMap<>();
        for (var keys = properties.keys(); keys.hasMoreElements();) {
            String key = keys.nextElement();
            if (!key.startsWith("service.") && !key.startsWith("felix.")) {
                map.put(key, properties.get(key));
            }
        }
        return map;
    }
}

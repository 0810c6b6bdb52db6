package io.rhizome.core.internal.plugins;

import java.util.Map;
import java.util.TreeMap;

import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;

import io.rhizome.api.PluginInfo;
import io.rhizome.api.PluginKind;

/** Turns a service reference into a {@link PluginInfo} (not yet marked active) without getting the service object. */
final class ServiceDescriptions {

    private ServiceDescriptions() {
    }

    static PluginInfo describe(PluginKind kind, String nameProperty, ServiceReference<?> ref) {
        Map<String, Object> props = new TreeMap<>();
        for (String key : ref.getPropertyKeys()) {
            Object value = ref.getProperty(key);
            if (value instanceof String || value instanceof Number || value instanceof Boolean) {
                props.put(key, value);
            }
        }
        Object named = nameProperty == null ? null : ref.getProperty(nameProperty);
        String name = named != null ? String.valueOf(named) : implementationName(ref);
        Bundle bundle = ref.getBundle();
        String bsn = bundle == null ? "(unregistered)" : bundle.getSymbolicName();
        String version = bundle == null ? "" : bundle.getVersion().toString();
        long id = (Long) ref.getProperty(Constants.SERVICE_ID);
        Object ranking = ref.getProperty(Constants.SERVICE_RANKING);
        int rank = ranking instanceof Integer i ? i : 0;
        return new PluginInfo(kind, name, bsn, version, id, rank, props, false);
    }

    private static String implementationName(ServiceReference<?> ref) {
        Object component = ref.getProperty("component.name");
        return component != null ? component.toString() : "service-" + ref.getProperty(Constants.SERVICE_ID);
    }
}

package io.rhizome.testsupport;

import java.io.IOException;
import java.util.Map;

/**
 * The reactor's tests keep this name; the builder itself ships in the SDK's
 * {@code io.rhizome.conformance}. The overrides only narrow the return type, so chained calls stay
 * of this type for the tests that take it as a parameter.
 */
public final class PluginBundleBuilder extends io.rhizome.conformance.PluginBundleBuilder {

    public PluginBundleBuilder(String symbolicName) {
        super(symbolicName);
    }

    @Override
    public PluginBundleBuilder header(String name, String value) {
        super.header(name, value);
        return this;
    }

    @Override
    public PluginBundleBuilder addClass(Class<?> type) throws IOException {
        super.addClass(type);
        return this;
    }

    @Override
    public PluginBundleBuilder addResource(String path, String text) {
        super.addResource(path, text);
        return this;
    }

    @Override
    public PluginBundleBuilder addComponent(Class<?> impl, Class<?> service, Map<String, String> properties)
            throws IOException {
        super.addComponent(impl, service, properties);
        return this;
    }
}

package io.rhizome.crypto.tests.consumer;

import java.util.function.Supplier;

import io.rhizome.spi.crypto.EncryptionProvider;

/**
 * Stands in for the engine: a DS component with one dynamic, greedy reference to an
 * {@link EncryptionProvider}, whose {@code provider.target} can be set through ConfigAdmin. The
 * test installs it in a bundle of its own with a hand-written component description (as
 * {@code PluginBundleBuilder} does for every test plugin).
 */
public class ProviderConsumer implements Supplier<String> {

    private volatile EncryptionProvider provider;

    public void setProvider(EncryptionProvider p) {
        provider = p;
    }

    public void unsetProvider(EncryptionProvider p) {
        if (provider == p) {
            provider = null;
        }
    }

    /** The name of the provider currently bound, or "none". */
    @Override
    public String get() {
        EncryptionProvider p = provider;
        return p == null ? "none" : p.name();
    }
}

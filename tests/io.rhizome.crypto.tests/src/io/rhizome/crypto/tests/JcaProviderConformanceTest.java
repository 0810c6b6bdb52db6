package io.rhizome.crypto.tests;

import org.junit.jupiter.api.BeforeAll;

import io.rhizome.crypto.tests.conformance.EncryptionProviderConformance;
import io.rhizome.spi.crypto.EncryptionProvider;

/** The JDK-only provider, as registered by its bundle, against the conformance suite. */
class JcaProviderConformanceTest extends EncryptionProviderConformance {

    private static EncryptionProvider provider;

    @BeforeAll
    static void lookUp() throws Exception {
        provider = Services.provider("jca");
    }

    @Override
    protected EncryptionProvider provider() {
        return provider;
    }
}

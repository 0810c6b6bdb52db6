package io.rhizome.crypto.tests;

import org.junit.jupiter.api.BeforeAll;

import io.rhizome.crypto.tests.conformance.EncryptionProviderConformance;
import io.rhizome.spi.crypto.EncryptionProvider;

/** The Bouncy Castle provider, as registered by its bundle, against the conformance suite. */
class BcProviderConformanceTest extends EncryptionProviderConformance {

    private static EncryptionProvider provider;

    @BeforeAll
    static void lookUp() throws Exception {
        provider = Services.provider("bc");
    }

    @Override
    protected EncryptionProvider provider() {
        return provider;
    }
}

package io.rhizome.crypto.bench;

import java.security.SecureRandom;

import io.rhizome.crypto.bc.internal.BcEncryptionProvider;
import io.rhizome.crypto.jca.internal.JcaEncryptionProvider;
import io.rhizome.spi.crypto.AeadAlgorithm;
import io.rhizome.spi.crypto.EncryptionProvider;
import io.rhizome.spi.crypto.Signer;

/** The provider/algorithm combinations worth measuring: the JDK provider has no XChaCha20-Poly1305. */
final class Providers {

    static final byte[] SEED = new byte[32];
    static final byte[] PUBLIC_KEY = new byte[32];

    static {
        new SecureRandom().nextBytes(SEED);
        org.bouncycastle.math.ec.rfc8032.Ed25519.generatePublicKey(SEED, 0, PUBLIC_KEY, 0);
    }

    private Providers() {
    }

    static EncryptionProvider provider(String combo) {
        return combo.startsWith("bc") ? new BcEncryptionProvider() : new JcaEncryptionProvider();
    }

    static AeadAlgorithm algorithm(String combo) {
        return combo.endsWith("xchacha") ? AeadAlgorithm.XCHACHA20_POLY1305 : AeadAlgorithm.AES_256_GCM;
    }

    /** Signs as the node's KeyService does: BC with the cached public key, or the provider's own sign. */
    static Signer signer(String combo, EncryptionProvider provider) {
        if (combo.startsWith("bc")) {
            return m -> BcEncryptionProvider.sign(SEED, PUBLIC_KEY, m);
        }
        return m -> provider.sign(SEED, m);
    }
}

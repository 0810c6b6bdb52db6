package io.rhizome.crypto.bc.internal;

import java.security.SecureRandom;
import java.util.Set;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.crypto.AeadAlgorithm;
import io.rhizome.spi.crypto.CryptoException;
import io.rhizome.spi.crypto.EncryptionProvider;
import io.rhizome.spi.crypto.KeyLookup;
import io.rhizome.spi.crypto.KeyService.MeshKey;

/**
 * Registers the Bouncy Castle provider. Its {@code service.ranking} (default 100, above the JCA
 * provider's 50) and default algorithm come from configuration PID {@value #PID}; a changed
 * ranking is republished without restarting the component, which is how a deployment swaps
 * providers at run time.
 */
@Component(configurationPid = BcProviderComponent.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = {EncryptionProvider.PROVIDER_PROPERTY + "=" + BcEncryptionProvider.NAME, "service.ranking:Integer=100"})
@Designate(ocd = BcProviderComponent.Config.class)
public class BcProviderComponent implements EncryptionProvider {

    public static final String PID = "io.rhizome.crypto.bc";
    private static final Logger LOG = LoggerFactory.getLogger(BcProviderComponent.class);

    @ObjectClassDefinition(name = "Rhizome Bouncy Castle encryption provider")
    public @interface Config {
        @AttributeDefinition(description = "Service ranking; the engine uses the provider with the highest ranking unless it targets one.")
        int service_ranking() default 100;

        @AttributeDefinition(description = "AEAD used for new change sets: XChaCha20-Poly1305 or AES-256-GCM.")
        String algorithm() default "XChaCha20-Poly1305";
    }

    private final SecureRandom random = new SecureRandom();
    private volatile BcEncryptionProvider delegate;

    @Activate
    @Modified
    void configure(Config config) {
        AeadAlgorithm algorithm = AeadAlgorithm.byName(config.algorithm()).orElseGet(() -> {
            LOG.error("crypto.provider=bc: unknown algorithm '{}' in configuration {}; using XChaCha20-Poly1305", config.algorithm(), PID);
            return AeadAlgorithm.XCHACHA20_POLY1305;
        });
        delegate = new BcEncryptionProvider(random, algorithm);
        LOG.info("crypto.provider=bc active, ranking {}, default AEAD {}", config.service_ranking(), algorithm);
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public Set<AeadAlgorithm> aeadAlgorithms() {
        return delegate.aeadAlgorithms();
    }

    @Override
    public AeadAlgorithm defaultAlgorithm() {
        return delegate.defaultAlgorithm();
    }

    @Override
    public byte[] seal(AeadAlgorithm algorithm, MeshKey key, byte[] plaintext, byte[] associatedData) throws CryptoException {
        return delegate.seal(algorithm, key, plaintext, associatedData);
    }

    @Override
    public byte[] open(KeyLookup keys, byte[] sealed, byte[] associatedData) throws CryptoException {
        return delegate.open(keys, sealed, associatedData);
    }

    @Override
    public byte[] sign(byte[] privateKey, byte[] message) throws CryptoException {
        return delegate.sign(privateKey, message);
    }

    @Override
    public boolean verify(byte[] publicKey, byte[] message, byte[] signature) {
        return delegate.verify(publicKey, message, signature);
    }

    @Override
    public byte[] deriveKey(byte[] inputKeyMaterial, byte[] salt, byte[] info, int length) throws CryptoException {
        return delegate.deriveKey(inputKeyMaterial, salt, info, length);
    }

    @Override
    public byte[] randomBytes(int length) {
        return delegate.randomBytes(length);
    }
}

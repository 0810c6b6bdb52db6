package io.rhizome.crypto.jca.internal;

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
 * Registers the JDK-only provider. Its {@code service.ranking} (default 50, below the Bouncy
 * Castle provider's 100) comes from configuration PID {@value #PID}; raising it above 100 makes it
 * the engine's provider at run time, without restarting anything.
 */
@Component(configurationPid = JcaProviderComponent.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = {EncryptionProvider.PROVIDER_PROPERTY + "=" + JcaEncryptionProvider.NAME, "service.ranking:Integer=50"})
@Designate(ocd = JcaProviderComponent.Config.class)
public class JcaProviderComponent implements EncryptionProvider {

    public static final String PID = "io.rhizome.crypto.jca";
    private static final Logger LOG = LoggerFactory.getLogger(JcaProviderComponent.class);

    @ObjectClassDefinition(name = "Rhizome JDK-only encryption provider")
    public @interface Config {
        @AttributeDefinition(description = "Service ranking; the engine uses the provider with the highest ranking unless it targets one.")
        int service_ranking() default 50;
    }

    private final SecureRandom random = new SecureRandom();
    private volatile JcaEncryptionProvider delegate;

    @Activate
    @Modified
    void configure(Config config) {
        delegate = new JcaEncryptionProvider(random);
        LOG.info("crypto.provider=jca active, ranking {}, AEAD AES-256-GCM", config.service_ranking());
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

package io.rhizome.crypto.bc.internal;

import java.security.SecureRandom;

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
import io.rhizome.spi.crypto.EncryptionProvider;
import io.rhizome.spi.crypto.ForwardingEncryptionProvider;

/**
 * Registers the Bouncy Castle provider. Its {@code service.ranking} (default 100, above the JCA
 * provider's 50) and default algorithm come from configuration PID {@value #PID}; a changed
 * ranking is republished without restarting the component, which is how a deployment swaps
 * providers at run time.
 */
@Component(service = EncryptionProvider.class, configurationPid = BcProviderComponent.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = {EncryptionProvider.PROVIDER_PROPERTY + "=" + BcEncryptionProvider.NAME, "service.ranking:Integer=100"})
@Designate(ocd = BcProviderComponent.Config.class)
public class BcProviderComponent extends ForwardingEncryptionProvider implements EncryptionProvider {

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
    protected EncryptionProvider delegate() {
        return delegate;
    }
}

package io.rhizome.crypto.jca.internal;

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

import io.rhizome.spi.crypto.EncryptionProvider;
import io.rhizome.spi.crypto.ForwardingEncryptionProvider;

/**
 * Registers the JDK-only provider. Its {@code service.ranking} (default 50, below the Bouncy
 * Castle provider's 100) comes from configuration PID {@value #PID}; raising it above 100 makes it
 * the engine's provider at run time, without restarting anything.
 */
@Component(service = EncryptionProvider.class, configurationPid = JcaProviderComponent.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = {EncryptionProvider.PROVIDER_PROPERTY + "=" + JcaEncryptionProvider.NAME, "service.ranking:Integer=50"})
@Designate(ocd = JcaProviderComponent.Config.class)
public class JcaProviderComponent extends ForwardingEncryptionProvider implements EncryptionProvider {

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
    protected EncryptionProvider delegate() {
        return delegate;
    }
}

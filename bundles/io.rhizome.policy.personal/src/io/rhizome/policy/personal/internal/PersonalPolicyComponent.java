package io.rhizome.policy.personal.internal;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.policy.SyncPolicy;
import io.rhizome.spi.policy.TrustedDevices;

/**
 * The default policy: every trusted device of the mesh syncs every syncable namespace. Ranked 0,
 * so an enterprise policy with a higher ranking replaces it at run time.
 */
@Component(service = SyncPolicy.class, configurationPid = "io.rhizome.policy.personal",
        property = { SyncPolicy.NAME_PROPERTY + "=personal", "service.ranking:Integer=0" })
@Designate(ocd = PersonalPolicyComponent.Config.class)
public class PersonalPolicyComponent implements SyncPolicy {

    private static final Logger LOG = LoggerFactory.getLogger(PersonalPolicyComponent.class);

    @ObjectClassDefinition(name = "Rhizome personal policy", description = "Who belongs to the personal mesh.")
    public @interface Config {
        @AttributeDefinition(name = "Trusted devices",
                description = "Device ids trusted in addition to the paired ones (paired devices come from TrustedDevices services).")
        String[] trustedDevices() default {};
    }

    private final List<TrustedDevices> trusted = new CopyOnWriteArrayList<>();
    private volatile PersonalTrust rule;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addTrustedDevices(TrustedDevices t) {
        trusted.add(t);
    }

    void removeTrustedDevices(TrustedDevices t) {
        trusted.remove(t);
    }

    @Activate
    @Modified
    void configure(Config config) {
        rule = new PersonalTrust(Set.of(config.trustedDevices()), this::trustedServices);
    }

    private Collection<TrustedDevices> trustedServices() {
        return trusted;
    }

    @Override
    public Decision canSend(String peerId, String namespace) {
        return rule.decide(peerId);
    }

    @Override
    public Decision canReceive(String peerId, String namespace, String authorDeviceId) {
        return rule.decide(peerId);
    }

    @Override
    public void audit(String peerId, String namespace, Decision decision) {
        if (!decision.allowed()) {
            LOG.warn("policy personal refused namespace '{}' for peer {}: {}", namespace, peerId, decision.reason());
        }
    }
}

package io.rhizome.policy.personal.internal;

import java.util.Collection;
import java.util.Set;
import java.util.function.Supplier;

import io.rhizome.spi.policy.SyncPolicy;
import io.rhizome.spi.policy.SyncPolicy.Decision;
import io.rhizome.spi.policy.TrustedDevices;

/**
 * The personal policy's rule: a device of the mesh (trusted by a {@link TrustedDevices} service,
 * i.e. paired, or listed in configuration) syncs every namespace; any other device syncs nothing.
 */
final class PersonalTrust {

    private final Set<String> configured;
    private final Supplier<Collection<TrustedDevices>> trusted;

    PersonalTrust(Set<String> configured, Supplier<Collection<TrustedDevices>> trusted) {
        this.configured = Set.copyOf(configured);
        this.trusted = trusted;
    }

    Decision decide(String peerId) {
        if (configured.contains(peerId)) {
            return SyncPolicy.Decision.ALLOW;
        }
        for (TrustedDevices t : trusted.get()) {
            if (t.isTrusted(peerId)) {
                return SyncPolicy.Decision.ALLOW;
            }
        }
        return SyncPolicy.Decision.deny("device " + peerId + " is not a trusted device of this mesh (pair it first)");
    }
}

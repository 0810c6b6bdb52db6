package io.rhizome.policy.enterprise.tests;

import java.time.Duration;
import java.util.Hashtable;
import java.util.Set;

import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;

import io.rhizome.spi.policy.SyncPolicy;
import io.rhizome.spi.policy.TrustedDevices;
import io.rhizome.spi.store.MetadataOwner;
import io.rhizome.testsupport.Await;
import io.rhizome.testsupport.MemoryReplicaStore;

/** The policies as OSGi services of the test framework, and the services they need, registered by a test. */
final class PolicyServices implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(30);

    /** This bundle (the enterprise policy, which these tests are a fragment of). */
    final org.osgi.framework.Bundle enterprise = FrameworkUtil.getBundle(PolicyServices.class);
    /** The system bundle's context: what a test registers there survives stopping the enterprise bundle. */
    final BundleContext ctx = enterprise.getBundleContext().getBundle(0).getBundleContext();
    private final ServiceRegistration<TrustedDevices> trusted;
    private ServiceRegistration<?> space;

    /** Registers a TrustedDevices service that trusts {@code devices}. */
    PolicyServices(Set<String> devices) {
        trusted = ctx.registerService(TrustedDevices.class, devices::contains, new Hashtable<>());
    }

    /** Registers the metadata space the enterprise component needs (the node's store gives every bundle one). */
    PolicyServices withMetadataSpace() {
        space = ctx.registerService(io.rhizome.spi.store.MetadataSpace.class,
                new MemoryReplicaStore().metadata(MetadataOwner.bundle("io.rhizome.policy.enterprise")), new Hashtable<>());
        return this;
    }

    /** The policy service named {@code name}, waited for. */
    SyncPolicy policy(String name) throws InterruptedException {
        Await.until(WAIT, "the " + name + " policy service", () -> reference(name) != null);
        return ctx.getService(reference(name));
    }

    ServiceReference<SyncPolicy> reference(String name) {
        try {
            var refs = ctx.getServiceReferences(SyncPolicy.class, "(" + SyncPolicy.NAME_PROPERTY + "=" + name + ")");
            return refs.isEmpty() ? null : refs.iterator().next();
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** The name of the policy the engine would use: the highest-ranked SyncPolicy service. */
    String active() {
        ServiceReference<SyncPolicy> best = ctx.getServiceReference(SyncPolicy.class);
        return best == null ? "none" : String.valueOf(best.getProperty(SyncPolicy.NAME_PROPERTY));
    }

    @Override
    public void close() {
        trusted.unregister();
        if (space != null) {
            space.unregister();
        }
    }
}

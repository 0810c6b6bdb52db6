package io.rhizome.core.internal.component;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Dictionary;
import java.util.HexFormat;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.api.SyncService;
import io.rhizome.core.internal.engine.ChangeSetSealer;
import io.rhizome.core.internal.engine.CryptoSealer;
import io.rhizome.core.internal.engine.NamespaceCatalog;
import io.rhizome.core.internal.engine.SyncEngine;
import io.rhizome.core.internal.plugins.RankedServices;
import io.rhizome.core.internal.service.Node;
import io.rhizome.core.internal.sync.TrustedDevicesUnion;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crypto.EncryptionProvider;
import io.rhizome.spi.crypto.KeyService;
import io.rhizome.spi.namespace.NamespaceProvider;
import io.rhizome.spi.namespace.SyncScope;
import io.rhizome.spi.policy.SyncPolicy;
import io.rhizome.spi.policy.TrustedDevices;
import io.rhizome.spi.store.MetadataOwner;
import io.rhizome.spi.store.MetadataSpace;
import io.rhizome.spi.store.ReplicaStore;
import io.rhizome.spi.store.StoreException;
import io.rhizome.spi.transport.Transport;

/**
 * The engine as a service: a thin lifecycle shell around {@link Node}. Every plugin point is a
 * dynamic reference, so CRDT types, transports, policies and namespace providers come and go at run
 * time; the store is static (the engine restarts on a better-ranked store).
 *
 * <p>The {@link SyncService} a host gets is the node's own implementation, registered here once the
 * node runs and unregistered before it stops (with this component's properties, as DS would), so no
 * layer forwards the service's methods and a host never sees a service without an engine.
 */
@Component(service = {}, immediate = true, configurationPid = "io.rhizome.core")
@Designate(ocd = SyncServiceComponent.Config.class)
public class SyncServiceComponent {

    private static final Logger LOG = LoggerFactory.getLogger(SyncServiceComponent.class);

    @ObjectClassDefinition(name = "Rhizome sync engine", description = "Namespaces and engine tunables.")
    public @interface Config {
        @AttributeDefinition(name = "Allow undeclared namespaces",
                description = "Whether writing to (or receiving) a namespace that no provider or configuration declares creates it with the default type.")
        boolean allowUndeclared() default true;

        @AttributeDefinition(name = "Default CRDT type", description = "The crdt.type of undeclared namespaces.")
        String defaultCrdtType() default CrdtType.DEFAULT_TYPE;

        @AttributeDefinition(name = "Maximum clock drift (ms)",
                description = "A remote change set whose timestamp is further ahead of the local clock is rejected.")
        long maxClockDriftMillis() default 300_000;

        @AttributeDefinition(name = "Checkpoint interval", description = "Change sets between checkpoints of entity states (bounds replay at start-up).")
        int checkpointEvery() default 20_000;
    }

    private final RankedServices<CrdtType> types = new RankedServices<>();
    private final RankedServices<SyncPolicy> policies = new RankedServices<>();
    private final List<Transport> transports = new CopyOnWriteArrayList<>();
    private final RankedServices<EncryptionProvider> providers = new RankedServices<>();
    private final NamespaceCatalog catalog = new NamespaceCatalog();
    private final List<TrustedDevices> trustedDevices = new CopyOnWriteArrayList<>();

    @Reference(policyOption = ReferencePolicyOption.GREEDY)
    private ReplicaStore store;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policyOption = ReferencePolicyOption.GREEDY)
    private KeyService keys;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile EventAdmin eventAdmin;

    private volatile Node node;
    private ServiceRegistration<SyncService> registration;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addTrustedDevices(TrustedDevices t) {
        trustedDevices.add(t);
    }

    void removeTrustedDevices(TrustedDevices t) {
        trustedDevices.remove(t);
    }

    // ------------------------------------------------------------------ lifecycle

    @Activate
    void activate(Config config, BundleContext context, Map<String, Object> properties) throws StoreException {
        catalog.defaults(new NamespaceCatalog.Defaults(config.allowUndeclared(), config.defaultCrdtType(), SyncScope.FULL));
        String deviceId = deviceId(store, keys);
        Function<String, Optional<CrdtType>> lookup = types::active;
        // With a key service, every change set is signed and encrypted; without one (a host that
        // installed no crypto bundle) change sets are stored and sent unprotected, and the log says so.
        ChangeSetSealer sealer = keys != null ? new CryptoSealer(() -> providers.active(RankedServices.ONE), keys) : ChangeSetSealer.PLAIN;
        if (keys == null) {
            LOG.warn("no KeyService is installed: change sets are NOT end-to-end encrypted; install io.rhizome.crypto.bc");
        }
        long skew = clockOffsetMillis();
        Node n = new Node(new Node.Parts(deviceId, store, lookup, catalog, () -> sealer, () -> policies.active(RankedServices.ONE),
                config.maxClockDriftMillis(), new SyncEngine.Config(4096, config.checkpointEvery(), 60_000)),
                skew == 0 ? System::currentTimeMillis : () -> System.currentTimeMillis() + skew);
        n.events(new EventAdminEvents(() -> eventAdmin));
        n.orchestrator().trusted(new TrustedDevicesUnion(() -> trustedDevices));
        n.start();
        node = n;
        for (Transport t : transports) {
            n.orchestrator().addTransport(t);
        }
        registration = context.registerService(SyncService.class, n.service(), serviceProperties(properties));
        LOG.info("sync engine started: device {}, store {}", deviceId, store.location());
    }

    /** The component's properties without the private ones (leading dot), as DS registers them. */
    private static Dictionary<String, Object> serviceProperties(Map<String, Object> properties) {
        Hashtable<String, Object> props = new Hashtable<>();
        properties.forEach((key, value) -> {
            if (!key.startsWith(".")) {
                props.put(key, value);
            }
        });
        return props;
    }

    @Deactivate
    void deactivate() {
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the framework unregistered it with the stopping bundle: nothing left to withdraw
            }
            registration = null;
        }
        Node n = node;
        node = null;
        if (n != null) {
            n.close();
        }
    }

    /**
     * Fault injection for tests of clock skew (README, "Clock skew"): the system property
     * {@value #CLOCK_OFFSET_PROPERTY} moves this node's wall clock by that many milliseconds.
     */
    static final String CLOCK_OFFSET_PROPERTY = "rhizome.clock.offsetMillis";

    private static long clockOffsetMillis() {
        String v = System.getProperty(CLOCK_OFFSET_PROPERTY);
        if (v == null || v.isBlank()) {
            return 0;
        }
        try {
            long offset = Long.parseLong(v.trim());
            LOG.warn("this node's clock is moved by {} ms ({}): for tests of clock skew only", offset, CLOCK_OFFSET_PROPERTY);
            return offset;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(CLOCK_OFFSET_PROPERTY + " must be a whole number of milliseconds, not '" + v + "'");
        }
    }

    /** The device id: the key service's, or a random one kept in the store until identities exist. */
    private static String deviceId(ReplicaStore store, KeyService keys) throws StoreException {
        if (keys != null) {
            return keys.deviceId();
        }
        MetadataSpace device = store.metadata(MetadataOwner.engine("device"));
        Optional<byte[]> saved = device.get("id");
        if (saved.isPresent()) {
            return new String(saved.get(), StandardCharsets.UTF_8);
        }
        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        String id = "dev-" + HexFormat.of().formatHex(random);
        device.put("id", id.getBytes(StandardCharsets.UTF_8));
        return id;
    }

    // ------------------------------------------------------------------ dynamic references

    public SyncServiceComponent() {
        // Something a peer's refused stream may have waited for arrived (a CRDT type, a better
        // policy): ask every peer again.
        types.onActiveChange((name, type) -> type.ifPresent(t -> askPeersAgain()));
        policies.onActiveChange((key, policy) -> {
            LOG.info("sync policy in use: {}", policy.map(p -> p.getClass().getName()).orElse("none (nothing is sent or accepted)"));
            policy.ifPresent(p -> askPeersAgain());
        });
        providers.onActiveChange((key, provider) -> LOG.info("encryption provider in use: {}",
                provider.map(p -> p.getClass().getName()).orElse("none")));
    }

    @Reference(service = CrdtType.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addType(CrdtType type, Map<String, Object> props) {
        types.put(typeName(type, props), type, props);
    }

    void removeType(CrdtType type, Map<String, Object> props) {
        types.remove(props);
    }

    private static String typeName(CrdtType type, Map<String, Object> props) {
        return String.valueOf(props.getOrDefault(CrdtType.TYPE_PROPERTY, type.name()));
    }

    private void askPeersAgain() {
        Node n = node;
        if (n != null) {
            n.orchestrator().forceSync();
        }
    }

    @Reference(service = SyncPolicy.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addPolicy(SyncPolicy policy, Map<String, Object> props) {
        LOG.info("sync policy '{}' available (ranking {})", props.get(SyncPolicy.NAME_PROPERTY), RankedServices.ranking(props));
        policies.put(RankedServices.ONE, policy, props);
    }

    void removePolicy(SyncPolicy policy, Map<String, Object> props) {
        policies.remove(props);
    }

    @Reference(service = EncryptionProvider.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addProvider(EncryptionProvider provider, Map<String, Object> props) {
        providers.put(RankedServices.ONE, provider, props);
    }

    /** Ranking is configuration, so swapping the provider is too. */
    void updatedProvider(EncryptionProvider provider, Map<String, Object> props) {
        providers.put(RankedServices.ONE, provider, props);
    }

    void removeProvider(EncryptionProvider provider, Map<String, Object> props) {
        providers.remove(props);
    }

    @Reference(service = Transport.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addTransport(Transport transport) {
        transports.add(transport);
        Node n = node;
        if (n != null) {
            n.orchestrator().addTransport(transport);
        }
    }

    void removeTransport(Transport transport) {
        transports.remove(transport);
        Node n = node;
        if (n != null) {
            n.orchestrator().removeTransport(transport);
        }
    }

    @Reference(service = NamespaceProvider.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addNamespaceProvider(NamespaceProvider provider, Map<String, Object> props) {
        try {
            catalog.putSource("service:" + props.get(Constants.SERVICE_ID), RankedServices.ranking(props), provider.namespaces());
        } catch (RuntimeException e) {
            LOG.error("namespace provider {} failed; its namespaces are ignored", props.get("component.name"), e);
        }
    }

    void updatedNamespaceProvider(NamespaceProvider provider, Map<String, Object> props) {
        addNamespaceProvider(provider, props);
    }

    void removeNamespaceProvider(NamespaceProvider provider, Map<String, Object> props) {
        catalog.removeSource("service:" + props.get(Constants.SERVICE_ID));
    }
}

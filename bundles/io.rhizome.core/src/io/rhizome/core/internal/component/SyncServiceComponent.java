package io.rhizome.core.internal.component;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;

import org.osgi.framework.Constants;
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

import com.fasterxml.jackson.databind.JsonNode;

import io.rhizome.api.ChangeEvent;
import io.rhizome.api.NamespaceInfo;
import io.rhizome.api.SyncService;
import io.rhizome.api.StreamEvent;
import io.rhizome.api.SyncStatus;
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
import io.rhizome.spi.store.ReplicaStore;
import io.rhizome.spi.store.StoreException;
import io.rhizome.spi.transport.Transport;

/**
 * The engine as a service: a thin lifecycle shell around {@link Node}. Every plugin point is a
 * dynamic reference, so CRDT types, transports, policies and namespace providers come and go at run
 * time; the store is static (the engine restarts on a better-ranked store).
 */
@Component(service = SyncService.class, immediate = true, configurationPid = "io.rhizome.core")
@Designate(ocd = SyncServiceComponent.Config.class)
public class SyncServiceComponent implements SyncService {

    private static final Logger LOG = LoggerFactory.getLogger(SyncServiceComponent.class);

    @ObjectClassDefinition(name = "Rhizome sync engine", description = "Namespaces and engine tunables.")
    public @interface Config {
        @AttributeDefinition(name = "Allow undeclared namespaces",
                description = "Whether writing to (or receiving) a namespace that no provider or configuration declares creates it with the default type.")
        boolean allowUndeclared() default true;

        @AttributeDefinition(name = "Default CRDT type", description = "The crdt.type of undeclared namespaces.")
        String defaultCrdtType() default "lww-register";

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

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addTrustedDevices(TrustedDevices t) {
        trustedDevices.add(t);
    }

    void removeTrustedDevices(TrustedDevices t) {
        trustedDevices.remove(t);
    }

    // ------------------------------------------------------------------ lifecycle

    @Activate
    void activate(Config config) throws StoreException {
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
        LOG.info("sync engine started: device {}, store {}", deviceId, store.location());
    }

    @Deactivate
    void deactivate() {
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
        Optional<byte[]> saved = store.meta("device/id");
        if (saved.isPresent()) {
            return new String(saved.get(), StandardCharsets.UTF_8);
        }
        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        String id = "dev-" + HexFormat.of().formatHex(random);
        store.putMeta(Map.of("device/id", id.getBytes(StandardCharsets.UTF_8)));
        return id;
    }

    private Node node() {
        Node n = node;
        if (n == null) {
            throw new io.rhizome.api.SyncException(io.rhizome.api.SyncException.Reason.CLOSED, "the sync engine is not running");
        }
        return n;
    }

    /** For the node's own use (REST, commands): the running node. */
    public Optional<Node> running() {
        return Optional.ofNullable(node);
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

    // ------------------------------------------------------------------ SyncService, delegated

    @Override
    public String deviceId() {
        return node().service().deviceId();
    }

    @Override
    public SyncStatus status() {
        return node().service().status();
    }

    @Override
    public List<NamespaceInfo> namespaces() {
        return node().service().namespaces();
    }

    @Override
    public void declare(io.rhizome.spi.namespace.NamespaceDefinition definition) {
        node().service().declare(definition);
    }

    @Override
    public boolean undeclare(String namespace) {
        return node().service().undeclare(namespace);
    }

    @Override
    public Optional<JsonNode> get(String namespace, String key) {
        return node().service().get(namespace, key);
    }

    @Override
    public List<String> keys(String namespace) {
        return node().service().keys(namespace);
    }

    @Override
    public void mutate(String namespace, String key, JsonNode intent) {
        node().service().mutate(namespace, key, intent);
    }

    @Override
    public void put(String namespace, String key, JsonNode value) {
        node().service().put(namespace, key, value);
    }

    @Override
    public void delete(String namespace, String key) {
        node().service().delete(namespace, key);
    }

    @Override
    public void increment(String namespace, String key, long by) {
        node().service().increment(namespace, key, by);
    }

    @Override
    public void add(String namespace, String key, JsonNode element) {
        node().service().add(namespace, key, element);
    }

    @Override
    public void remove(String namespace, String key, JsonNode element) {
        node().service().remove(namespace, key, element);
    }

    @Override
    public void setField(String namespace, String key, String field, JsonNode value) {
        node().service().setField(namespace, key, field, value);
    }

    @Override
    public void insertText(String namespace, String key, int index, String text) {
        node().service().insertText(namespace, key, index, text);
    }

    @Override
    public void insertValues(String namespace, String key, int index, List<JsonNode> values) {
        node().service().insertValues(namespace, key, index, values);
    }

    @Override
    public void deleteRange(String namespace, String key, int index, int count) {
        node().service().deleteRange(namespace, key, index, count);
    }

    @Override
    public <T> T transaction(Function<Transaction, T> work) {
        return node().service().transaction(work);
    }

    @Override
    public AutoCloseable addChangeListener(String namespace, Consumer<ChangeEvent> listener) {
        return node().service().addChangeListener(namespace, listener);
    }

    @Override
    public AutoCloseable addStreamListener(Consumer<StreamEvent> listener) {
        return node().service().addStreamListener(listener);
    }

    @Override
    public void forceSync() {
        node().service().forceSync();
    }

    @Override
    public void pauseSync() {
        node().service().pauseSync();
    }

    @Override
    public void resumeSync() {
        node().service().resumeSync();
    }

    @Override
    public java.util.concurrent.CompletionStage<String> connect(String transportKind, String address) {
        return node().service().connect(transportKind, address);
    }

    @Override
    public void forgetPeer(String deviceId) {
        node().service().forgetPeer(deviceId);
    }
}

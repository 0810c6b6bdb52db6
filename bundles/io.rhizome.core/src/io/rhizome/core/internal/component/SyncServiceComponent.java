package io.rhizome.core.internal.component;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
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
        String defaultCrdtType() default CrdtType.DEFAULT_TYPE;

        @AttributeDefinition(name = "Maximum clock drift (ms)",
                description = "A remote change set whose timestamp is further ahead of the local clock is rejected.")
        long maxClockDriftMillis() default 300_000;

        @AttributeDefinition(name = "Checkpoint interval", description = "Change sets between checkpoints of entity states (bounds replay at start-up).")
        int checkpointEvery() default 20_000;
    }

    private record Ranked<T>(long serviceId, int ranking, T service) {
    }

    private final Map<String, List<Ranked<CrdtType>>> types = new ConcurrentHashMap<>();
    private final List<Ranked<SyncPolicy>> policies = new CopyOnWriteArrayList<>();
    private final List<Transport> transports = new CopyOnWriteArrayList<>();
    private final List<Ranked<EncryptionProvider>> providers = new CopyOnWriteArrayList<>();
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
        Function<String, Optional<CrdtType>> lookup = this::type;
        // With a key service, every change set is signed and encrypted; without one (a host that
        // installed no crypto bundle) change sets are stored and sent unprotected, and the log says so.
        ChangeSetSealer sealer = keys != null ? new CryptoSealer(this::provider, keys) : ChangeSetSealer.PLAIN;
        if (keys == null) {
            LOG.warn("no KeyService is installed: change sets are NOT end-to-end encrypted; install io.rhizome.crypto.bc");
        }
        long skew = clockOffsetMillis();
        Node n = new Node(new Node.Parts(deviceId, store, lookup, catalog, () -> sealer, this::policy,
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

    @Reference(service = CrdtType.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addType(CrdtType type, Map<String, Object> props) {
        String name = String.valueOf(props.getOrDefault(CrdtType.TYPE_PROPERTY, type.name()));
        types.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>()).add(ranked(type, props));
        askPeersAgain();
    }

    /** Something a peer's refused stream may have waited for arrived (a CRDT type, a policy): ask again. */
    private void askPeersAgain() {
        Node n = node;
        if (n != null) {
            n.orchestrator().forceSync();
        }
    }

    void removeType(CrdtType type, Map<String, Object> props) {
        String name = String.valueOf(props.getOrDefault(CrdtType.TYPE_PROPERTY, type.name()));
        List<Ranked<CrdtType>> list = types.get(name);
        if (list != null) {
            list.removeIf(r -> r.service() == type);
        }
    }

    private Optional<CrdtType> type(String name) {
        List<Ranked<CrdtType>> list = types.get(name);
        if (list == null) {
            return Optional.empty();
        }
        return best(list);
    }

    @Reference(service = SyncPolicy.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addPolicy(SyncPolicy policy, Map<String, Object> props) {
        policies.add(ranked(policy, props));
        LOG.info("sync policy '{}' available (ranking {})", props.get(SyncPolicy.NAME_PROPERTY), ranking(props));
        askPeersAgain();
    }

    void removePolicy(SyncPolicy policy) {
        policies.removeIf(r -> r.service() == policy);
    }

    private Optional<SyncPolicy> policy() {
        return best(policies);
    }

    @Reference(service = EncryptionProvider.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addProvider(EncryptionProvider provider, Map<String, Object> props) {
        providers.add(ranked(provider, props));
    }

    void updatedProvider(EncryptionProvider provider, Map<String, Object> props) {
        providers.removeIf(r -> r.service() == provider);
        providers.add(ranked(provider, props));
    }

    void removeProvider(EncryptionProvider provider) {
        providers.removeIf(r -> r.service() == provider);
    }

    /** The highest-ranking encryption provider (ranking is configuration, so swapping is too). */
    private Optional<EncryptionProvider> provider() {
        return best(providers);
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
            catalog.putSource("service:" + props.get(Constants.SERVICE_ID), ranking(props), provider.namespaces());
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

    /** The OSGi choice among services: highest {@code service.ranking}, then lowest {@code service.id}. */
    private static <T> Optional<T> best(List<Ranked<T>> candidates) {
        return candidates.stream().max(Comparator.<Ranked<T>>comparingInt(Ranked::ranking).thenComparing(r -> -r.serviceId()))
                .map(Ranked::service);
    }

    private static <T> Ranked<T> ranked(T service, Map<String, Object> props) {
        return new Ranked<>((Long) props.getOrDefault(Constants.SERVICE_ID, 0L), ranking(props), service);
    }

    private static int ranking(Map<String, Object> props) {
        return props.get(Constants.SERVICE_RANKING) instanceof Integer i ? i : 0;
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
    public Optional<JsonNode> exportValue(String namespace, String key) {
        return node().service().exportValue(namespace, key);
    }

    @Override
    public List<JsonNode> importIntents(String namespace, String key, JsonNode exported, Optional<String> crdtType) {
        return node().service().importIntents(namespace, key, exported, crdtType);
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

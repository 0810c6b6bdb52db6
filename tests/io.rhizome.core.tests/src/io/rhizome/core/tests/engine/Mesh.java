package io.rhizome.core.tests.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;

import com.fasterxml.jackson.databind.JsonNode;

import io.rhizome.core.internal.engine.ChangeSetSealer;
import io.rhizome.core.internal.engine.NamespaceCatalog;
import io.rhizome.core.internal.engine.SyncEngine;
import io.rhizome.core.internal.service.Node;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.namespace.NamespaceDefinition;
import io.rhizome.spi.namespace.SyncScope;
import io.rhizome.spi.policy.SyncPolicy;
import io.rhizome.spi.store.ReplicaStore;
import io.rhizome.testsupport.Await;
import io.rhizome.testsupport.MemoryReplicaStore;
import io.rhizome.transport.memory.MemoryNetwork;
import io.rhizome.transport.memory.MemoryTransport;

/**
 * Several sync nodes in one framework, joined by a {@link MemoryNetwork}, using the CRDT types the
 * framework has registered (the real {@code io.rhizome.crdt} services).
 */
final class Mesh implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(60);

    /** One namespace per built-in type, plus an intent that makes a change on it. */
    static final Map<String, String> NAMESPACES = Map.ofEntries(
            Map.entry("gc", "g-counter"), Map.entry("pc", "pn-counter"), Map.entry("gs", "g-set"), Map.entry("os", "or-set"),
            Map.entry("reg", "lww-register"), Map.entry("mv", "mv-register"), Map.entry("lm", "lww-map"), Map.entry("om", "or-map"),
            Map.entry("ls", "list"), Map.entry("tx", "text"));

    final MemoryNetwork network;
    final Map<String, Node> nodes = new HashMap<>();
    final Map<String, ReplicaStore> stores = new HashMap<>();
    final Map<String, MemoryTransport> transports = new HashMap<>();
    final Set<String> untrusted = ConcurrentHashMap.newKeySet();
    private final ServiceTracker<CrdtType, CrdtType> types;
    boolean allowUndeclared = true;
    static final long MAX_DRIFT_MILLIS = 300_000;
    /** How far each node's wall clock is off (ms); change it to skew a running node's clock. */
    final Map<String, java.util.concurrent.atomic.AtomicLong> clockOffsets = new ConcurrentHashMap<>();
    /** Further namespaces a node declares, by device id (e.g. selective ones). */
    java.util.function.Function<String, List<NamespaceDefinition>> extraNamespaces = id -> List.of();

    Mesh() throws InterruptedException {
        this(new MemoryNetwork());
    }

    /** A mesh whose nodes join the given network (which may carry other endpoints too). */
    Mesh(MemoryNetwork network) throws InterruptedException {
        this.network = network;
        BundleContext ctx = FrameworkUtil.getBundle(Mesh.class).getBundleContext();
        types = new ServiceTracker<>(ctx, CrdtType.class, null);
        types.open();
        Await.until(WAIT, "the built-in CRDT types are registered", () -> types.size() >= NAMESPACES.size());
    }

    Optional<CrdtType> type(String name) {
        for (ServiceReference<CrdtType> ref : types.getServiceReferences()) {
            if (name.equals(ref.getProperty(CrdtType.TYPE_PROPERTY))) {
                return Optional.ofNullable(types.getService(ref));
            }
        }
        return Optional.empty();
    }

    /** The policy each node gets, by device id (default: {@link #policy()}, trust by {@link #untrusted}). */
    java.util.function.Function<String, SyncPolicy> policies = id -> policy();

    SyncPolicy policy() {
        return new SyncPolicy() {
            @Override
            public Decision canSend(String peerId, String namespace) {
                return decide(peerId);
            }

            @Override
            public Decision canReceive(String peerId, String namespace, String author) {
                return decide(peerId);
            }

            private Decision decide(String peerId) {
                return untrusted.contains(peerId) ? Decision.deny(peerId + " is not trusted") : Decision.ALLOW;
            }
        };
    }

    /** Starts (or restarts, on its existing store) a node that does not encrypt. */
    Node start(String deviceId) throws Exception {
        return start(deviceId, ChangeSetSealer.PLAIN);
    }

    /** Starts a node whose change sets are sealed by {@code sealer}. */
    Node start(String deviceId, ChangeSetSealer sealer) throws Exception {
        ReplicaStore store = stores.computeIfAbsent(deviceId, d -> new MemoryReplicaStore());
        NamespaceCatalog catalog = new NamespaceCatalog();
        catalog.defaults(new NamespaceCatalog.Defaults(allowUndeclared, "lww-register", SyncScope.FULL));
        List<NamespaceDefinition> defs = new ArrayList<>();
        NAMESPACES.forEach((ns, type) -> defs.add(NamespaceDefinition.of(ns, type)));
        defs.add(new NamespaceDefinition("private", "lww-register", SyncScope.LOCAL_ONLY, Optional.empty()));
        defs.addAll(extraNamespaces.apply(deviceId));
        catalog.putSource("test", 0, defs);
        SyncPolicy policy = policies.apply(deviceId);
        java.util.concurrent.atomic.AtomicLong offset = clockOffsets.computeIfAbsent(deviceId, d -> new java.util.concurrent.atomic.AtomicLong());
        Node node = new Node(new Node.Parts(deviceId, store, this::type, catalog, () -> sealer, () -> Optional.of(policy),
                MAX_DRIFT_MILLIS, new SyncEngine.Config(4096, 5000, 60_000)), () -> System.currentTimeMillis() + offset.get()).start();
        MemoryTransport t = network.endpoint(deviceId);
        node.orchestrator().addTransport(t);
        nodes.put(deviceId, node);
        transports.put(deviceId, t);
        return node;
    }

    void stop(String deviceId) {
        Node n = nodes.remove(deviceId);
        if (n != null) {
            n.orchestrator().removeTransport(transports.remove(deviceId));
            n.close();
        }
    }

    void connect(String from, String to) throws Exception {
        String id = nodes.get(from).orchestrator().connect(MemoryNetwork.KIND, MemoryNetwork.address(to)).toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        assertEquals(to, id);
    }

    Node node(String id) {
        Node n = nodes.get(id);
        assertNotNull(n, "node " + id);
        return n;
    }

    Optional<JsonNode> value(String id, String ns, String key) {
        return node(id).service().get(ns, key);
    }

    /** Waits until every given node has the same value for every key of every namespace. */
    void awaitConverged(List<String> ids, Map<String, List<String>> keysByNamespace) {
        Await.until(WAIT, "nodes " + ids + " converge", () -> {
            for (Map.Entry<String, List<String>> e : keysByNamespace.entrySet()) {
                for (String key : e.getValue()) {
                    Optional<JsonNode> first = value(ids.get(0), e.getKey(), key);
                    for (String id : ids.subList(1, ids.size())) {
                        if (!first.equals(value(id, e.getKey(), key))) {
                            return false;
                        }
                    }
                }
            }
            return true;
        });
    }

    void awaitVersionsEqual(String a, String b) {
        Await.until(WAIT, a + " and " + b + " hold the same change sets",
                () -> node(a).engine().versions().equals(node(b).engine().versions()));
    }

    @Override
    public void close() {
        for (String id : new ArrayList<>(nodes.keySet())) {
            stop(id);
        }
        types.close();
    }
}

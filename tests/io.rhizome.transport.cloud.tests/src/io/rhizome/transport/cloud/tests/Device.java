package io.rhizome.transport.cloud.tests;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import io.rhizome.api.clock.HybridLogicalClock;
import io.rhizome.core.internal.engine.CryptoSealer;
import io.rhizome.core.internal.engine.EngineExchange;
import io.rhizome.core.internal.engine.EngineListener;
import io.rhizome.core.internal.engine.NamespaceCatalog;
import io.rhizome.core.internal.engine.SyncEngine;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crypto.EncryptionProvider;
import io.rhizome.spi.namespace.NamespaceDefinition;
import io.rhizome.spi.namespace.SyncScope;
import io.rhizome.spi.policy.SyncPolicy;
import io.rhizome.testsupport.MemoryReplicaStore;
import io.rhizome.transport.cloud.CloudExchange;
import io.rhizome.transport.cloud.CloudStore;
import io.rhizome.transport.cloud.FileSeal;

/**
 * One device for the tests: its keys and its store outlive its engine, so that "stopping" the
 * device (closing the engine) and "starting" it again (a new engine on the same store) is what a
 * daemon restart is. The exchange is made anew on each start too; everything it knows is in the folder.
 */
final class Device implements AutoCloseable {

    static final List<NamespaceDefinition> NAMESPACES = List.of(NamespaceDefinition.of("notes", "lww-register"),
            NamespaceDefinition.of("visits", "g-counter"));

    final MemoryKeys keys;
    final MemoryReplicaStore store = new MemoryReplicaStore();
    final Set<String> trusted = ConcurrentHashMap.newKeySet();
    /** Namespaces this device's policy refuses to receive (as a right not granted yet); empty: none. */
    final Set<String> refusedNamespaces = ConcurrentHashMap.newKeySet();
    private final EncryptionProvider provider;
    private final Function<String, Optional<CrdtType>> types;
    private SyncEngine engine;

    Device(EncryptionProvider provider, Function<String, Optional<CrdtType>> types, MemoryKeys keys) {
        this.provider = provider;
        this.types = types;
        this.keys = keys;
    }

    String id() {
        return keys.deviceId();
    }

    Device start() throws Exception {
        NamespaceCatalog catalog = new NamespaceCatalog();
        catalog.defaults(new NamespaceCatalog.Defaults(false, "lww-register", SyncScope.FULL));
        catalog.putSource("test", 0, NAMESPACES);
        engine = new SyncEngine(id(), store, types, catalog, () -> new CryptoSealer(() -> Optional.of(provider), keys), () -> Optional.of(policy()),
                new HybridLogicalClock(System::currentTimeMillis, 300_000), new EngineListener() {
                }, new SyncEngine.Config(4096, 5000, 60_000));
        engine.start();
        return this;
    }

    CloudExchange exchange(CloudStore folder, CloudExchange.Settings settings) {
        return exchange(folder, settings, System::currentTimeMillis);
    }

    CloudExchange exchange(CloudStore folder, CloudExchange.Settings settings, java.util.function.LongSupplier clock) {
        return new CloudExchange(folder, new EngineExchange(engine), new FileSeal(provider, keys), () -> Set.copyOf(trusted), settings, clock);
    }

    SyncEngine engine() {
        return engine;
    }

    void put(String namespace, String key, String value) throws Exception {
        engine.write(List.of(new SyncEngine.LocalWrite(namespace, key, JsonNodeFactory.instance.objectNode().put("op", "set").put("value", value))));
    }

    Optional<String> get(String namespace, String key) {
        return engine.get(namespace, key).map(JsonNode::asText);
    }

    /** Only devices this one trusts may send or receive: as the personal policy with pairing. */
    private SyncPolicy policy() {
        return new SyncPolicy() {
            @Override
            public Decision canSend(String peerId, String namespace) {
                return trusted.contains(peerId) ? Decision.ALLOW : Decision.deny("not trusted: " + peerId);
            }

            @Override
            public Decision canReceive(String peerId, String namespace, String authorDeviceId) {
                if (refusedNamespaces.contains(namespace)) {
                    return Decision.deny("namespace " + namespace + " is not allowed here yet");
                }
                return trusted.contains(peerId) ? Decision.ALLOW : Decision.deny("not trusted: " + peerId);
            }
        };
    }

    void stop() {
        if (engine != null) {
            engine.close();
            engine = null;
        }
    }

    @Override
    public void close() {
        stop();
    }

    static void roundOrFail(CloudExchange x) {
        try {
            x.round();
        } catch (IOException e) {
            throw new AssertionError("a round through the folder failed: " + e.getMessage(), e);
        }
    }
}

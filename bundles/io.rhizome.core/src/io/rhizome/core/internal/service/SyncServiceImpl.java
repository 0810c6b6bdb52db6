package io.rhizome.core.internal.service;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;


import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;

import io.rhizome.api.ChangeEvent;
import io.rhizome.api.NamespaceInfo;
import io.rhizome.api.SyncException;
import io.rhizome.api.SyncService;
import io.rhizome.api.StreamEvent;
import io.rhizome.api.SyncStatus;
import io.rhizome.core.internal.engine.EngineListener.EntityChange;
import io.rhizome.core.internal.engine.SyncEngine;
import io.rhizome.core.internal.engine.SyncEngine.LocalWrite;
import io.rhizome.core.internal.sync.Orchestrator;
import io.rhizome.core.internal.sync.SyncEvents;
import io.rhizome.spi.crdt.CrdtIntentException;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crdt.ReplicaContext;
import io.rhizome.spi.namespace.NamespaceDefinition;

/** {@link SyncService} over one engine and its orchestrator: the object registered as the OSGi service. */
public final class SyncServiceImpl implements SyncService {


    private final SyncEngine engine;
    private final Orchestrator orchestrator;
    private final MeshDeclarations declarations;
    private final ChangeListeners changeListeners = new ChangeListeners();
    private final StreamListeners streamListeners = new StreamListeners(changeListeners.executor()::execute);

    public SyncServiceImpl(SyncEngine engine, Orchestrator orchestrator, MeshDeclarations declarations) {
        this.engine = engine;
        this.orchestrator = orchestrator;
        this.declarations = declarations;
    }

    /** The engine behind this service (tests of the registered service look inside it). */
    public SyncEngine engine() {
        return engine;
    }

    public Orchestrator orchestrator() {
        return orchestrator;
    }

    @Override
    public io.rhizome.api.Presence presence() {
        return orchestrator.presence();
    }

    /** Where the orchestrator's stream notices reach the host's stream listeners. */
    SyncEvents streamEvents() {
        return streamListeners;
    }

    @Override
    public AutoCloseable addStreamListener(Consumer<StreamEvent> listener) {
        return streamListeners.add(listener);
    }

    void close() {
        changeListeners.close();
    }

    /** Called by the engine (on its thread) once changes are durable. */
    void dispatch(List<EntityChange> changes) {
        changeListeners.dispatch(changes);
    }

    @Override
    public String deviceId() {
        return engine.deviceId();
    }

    @Override
    public SyncStatus status() {
        return orchestrator.status();
    }

    @Override
    public List<NamespaceInfo> namespaces() {
        TreeMap<String, NamespaceDefinition> defs = new TreeMap<>();
        for (NamespaceDefinition d : engine.catalog().declared()) {
            defs.put(d.name(), d);
        }
        for (String name : engine.namespacesWithData()) {
            if (!defs.containsKey(name) && !name.equals(SyncService.DECLARATIONS_NAMESPACE)) {
                engine.catalog().resolve(name).ifPresent(d -> defs.put(name, d));
            }
        }
        List<NamespaceInfo> infos = new ArrayList<>();
        for (NamespaceDefinition d : defs.values()) {
            Optional<String> problem = engine.type(d.crdtType()).isPresent() ? engine.catalog().scopeProblem(d)
                    : Optional.of("CRDT type '" + d.crdtType() + "' is not installed");
            infos.add(new NamespaceInfo(d.name(), d.crdtType(), d.scope(), d.aclClass(), problem.isEmpty(), problem,
                    declarations.warning(d.name())));
        }
        return infos;
    }

    @Override
    public Optional<JsonNode> get(String namespace, String key) {
        requireValidName(namespace);
        requireKnown(namespace);
        return engine.get(namespace, key);
    }

    @Override
    public Optional<JsonNode> exportValue(String namespace, String key) {
        requireValidName(namespace);
        requireKnown(namespace);
        return engine.exportValue(namespace, key);
    }

    @Override
    public List<JsonNode> importIntents(String namespace, String key, JsonNode exported, Optional<String> crdtType) {
        requireValidName(namespace);
        MeshDeclarations.requireWritable(namespace);
        ValueLimits.checkName("key", key);
        String type = crdtType.orElseGet(() -> engine.catalog().resolve(namespace).orElseThrow(() -> new SyncException(
                SyncException.Reason.UNKNOWN_NAMESPACE, "unknown namespace '" + namespace + "': it is not declared and undeclared "
                        + "namespaces are not allowed by configuration")).crdtType());
        boolean exists = engine.catalog().resolve(namespace).isPresent();
        JsonNode current = exists ? engine.exportValue(namespace, key).orElse(NullNode.getInstance()) : NullNode.getInstance();
        List<JsonNode> intents;
        try {
            intents = installedType(namespace, type).importIntents(new ReplicaContext(engine.deviceId(), engine::type), current, exported);
        } catch (CrdtIntentException e) {
            throw new SyncException(SyncException.Reason.WRONG_OPERATION, "namespace '" + namespace + "' (" + type + "): "
                    + e.getMessage());
        }
        for (JsonNode intent : intents) {
            ValueLimits.checkIntent(intent);
        }
        return List.copyOf(intents);
    }

    @Override
    public List<String> keys(String namespace) {
        requireValidName(namespace);
        requireKnown(namespace);
        return engine.keys(namespace);
    }

    private void requireKnown(String namespace) {
        if (engine.catalog().resolve(namespace).isEmpty()) {
            throw new SyncException(SyncException.Reason.UNKNOWN_NAMESPACE, "unknown namespace '" + namespace + "'");
        }
    }

    @Override
    public void mutate(String namespace, String key, JsonNode intent) {
        write(List.of(new LocalWrite(namespace, key, intent)));
    }

    @Override
    public void put(String namespace, String key, JsonNode value) {
        mutate(namespace, key, Intents.set(value));
    }

    @Override
    public void delete(String namespace, String key) {
        mutate(namespace, key, deleteIntent(namespace));
    }

    /** What a delete means is the namespace's type's answer ({@link CrdtType#deleteIntent()}). */
    private JsonNode deleteIntent(String namespace) {
        requireExisting(namespace);
        NamespaceDefinition def = engine.catalog().resolve(namespace).orElseThrow(
                () -> new SyncException(SyncException.Reason.UNKNOWN_NAMESPACE, "unknown namespace '" + namespace + "'"));
        try {
            return installedType(namespace, def.crdtType()).deleteIntent();
        } catch (CrdtIntentException e) {
            throw new SyncException(SyncException.Reason.WRONG_OPERATION, "namespace '" + namespace + "' (" + def.crdtType() + "): "
                    + e.getMessage());
        }
    }

    private CrdtType installedType(String namespace, String name) {
        return engine.type(name).orElseThrow(() -> new SyncException(SyncException.Reason.NAMESPACE_UNAVAILABLE, "namespace '" + namespace
                + "' is unavailable: its CRDT type '" + name + "' is not installed"));
    }

    @Override
    public void increment(String namespace, String key, long by) {
        mutate(namespace, key, Intents.increment(by));
    }

    @Override
    public void add(String namespace, String key, JsonNode element) {
        mutate(namespace, key, Intents.add(element));
    }

    @Override
    public void remove(String namespace, String key, JsonNode element) {
        mutate(namespace, key, Intents.remove(element));
    }

    @Override
    public void setField(String namespace, String key, String field, JsonNode value) {
        mutate(namespace, key, Intents.setField(field, value));
    }

    @Override
    public void insertText(String namespace, String key, int index, String text) {
        mutate(namespace, key, Intents.insertText(index, text));
    }

    @Override
    public void insertValues(String namespace, String key, int index, List<JsonNode> values) {
        mutate(namespace, key, Intents.insertValues(index, values));
    }

    @Override
    public void deleteRange(String namespace, String key, int index, int count) {
        mutate(namespace, key, Intents.deleteRange(index, count));
    }

    @Override
    public <T> T transaction(Function<Transaction, T> work) {
        TransactionImpl tx = new TransactionImpl();
        T result = work.apply(tx);
        write(tx.writes);
        return result;
    }

    /**
     * Writes a list of local writes as one transaction, preceded by the mesh declaration of every
     * name it auto-creates (see {@link MeshDeclarations#withDeclarations}).
     */
    public void write(List<LocalWrite> writes) {
        checkLimits(writes);
        List<LocalWrite> all = declarations.withDeclarations(writes);
        engine.write(all);
        if (all.size() != writes.size()) {
            // The engine's listener refreshes the catalog too, but later, on its own thread: a
            // declare or delete right after this write must already see the declaration it made.
            declarations.refresh(all.stream().filter(w -> w.namespace().equals(SyncService.DECLARATIONS_NAMESPACE))
                    .map(LocalWrite::key).toList());
        }
    }

    @Override
    public void declare(NamespaceDefinition definition) {
        declarations.declare(definition);
    }

    @Override
    public boolean undeclare(String namespace) {
        return declarations.undeclare(namespace);
    }

    /** Every writer passes here, so hosts, REST and import get the same refusal, before anything is written. */
    private static void checkLimits(List<LocalWrite> writes) {
        for (LocalWrite w : writes) {
            requireValidName(w.namespace());
            ValueLimits.checkName("key", w.key());
            ValueLimits.checkIntent(w.intent());
        }
    }

    /** A name no namespace can have is refused with the grammar, not failed on deep inside. */
    private static void requireValidName(String namespace) {
        try {
            NamespaceDefinition.of(namespace, CrdtType.DEFAULT_TYPE);
        } catch (IllegalArgumentException e) {
            throw new SyncException(SyncException.Reason.INVALID_VALUE, e.getMessage());
        }
    }

    /**
     * A delete names an existing namespace: one that is declared or holds data. Otherwise the
     * tombstone would create the namespace (as an undeclared default) on every device.
     */
    private void requireExisting(String namespace) {
        requireValidName(namespace);
        // every namespace with data has a change-set stream; there are few streams, unlike entities
        if (engine.catalog().declared(namespace).isEmpty()
                && engine.versions().keySet().stream().noneMatch(s -> io.rhizome.core.internal.engine.Streams.namespace(s).equals(namespace))) {
            throw new SyncException(SyncException.Reason.UNKNOWN_NAMESPACE, "unknown namespace '" + namespace
                    + "': it is not declared and holds no data, so there is nothing to delete");
        }
    }

    @Override
    public AutoCloseable addChangeListener(String namespace, Consumer<ChangeEvent> listener) {
        return changeListeners.add(namespace, listener);
    }

    @Override
    public void forceSync() {
        orchestrator.forceSync();
    }

    @Override
    public void pauseSync() {
        orchestrator.pause();
    }

    @Override
    public void resumeSync() {
        orchestrator.resume();
    }

    @Override
    public java.util.concurrent.CompletionStage<String> connect(String transportKind, String address) {
        return orchestrator.connect(transportKind, address);
    }

    @Override
    public void forgetPeer(String deviceId) {
        orchestrator.forget(deviceId);
    }

    private final class TransactionImpl implements Transaction {
        final List<LocalWrite> writes = new ArrayList<>();

        @Override
        public Transaction mutate(String namespace, String key, JsonNode intent) {
            writes.add(new LocalWrite(namespace, key, intent));
            return this;
        }

        @Override
        public Transaction put(String namespace, String key, JsonNode value) {
            return mutate(namespace, key, Intents.set(value));
        }

        @Override
        public Transaction delete(String namespace, String key) {
            return mutate(namespace, key, deleteIntent(namespace));
        }

        @Override
        public Transaction increment(String namespace, String key, long by) {
            return mutate(namespace, key, Intents.increment(by));
        }

        @Override
        public Transaction add(String namespace, String key, JsonNode element) {
            return mutate(namespace, key, Intents.add(element));
        }

        @Override
        public Transaction remove(String namespace, String key, JsonNode element) {
            return mutate(namespace, key, Intents.remove(element));
        }

        @Override
        public Transaction setField(String namespace, String key, String field, JsonNode value) {
            return mutate(namespace, key, Intents.setField(field, value));
        }

        @Override
        public Transaction insertText(String namespace, String key, int index, String text) {
            return mutate(namespace, key, Intents.insertText(index, text));
        }

        @Override
        public Transaction deleteRange(String namespace, String key, int index, int count) {
            return mutate(namespace, key, Intents.deleteRange(index, count));
        }
    }
}

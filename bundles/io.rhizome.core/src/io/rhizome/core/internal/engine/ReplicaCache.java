package io.rhizome.core.internal.engine;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;

import io.rhizome.api.SyncException;
import io.rhizome.spi.crdt.CrdtDecodeException;
import io.rhizome.spi.crdt.CrdtReplica;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crdt.ReplicaContext;
import io.rhizome.spi.namespace.NamespaceDefinition;
import io.rhizome.spi.store.EntityRef;
import io.rhizome.spi.store.ReplicaStore;
import io.rhizome.spi.store.StoreException;

/**
 * The materialised replicas in memory: loaded from their checkpoint on first use, changed by the
 * engine thread under {@link #lock}, read by host threads under the same lock. Remembers which
 * replicas changed since the last checkpoint ({@link #encodeDirty}).
 */
final class ReplicaCache {

    private static final Logger LOG = LoggerFactory.getLogger(ReplicaCache.class);

    /** Guards the replicas: held by the engine thread while it applies a group and by host reads. */
    final ReentrantLock lock = new ReentrantLock();
    /**
     * Held (write) by the engine thread from applying a group until it is durable, and (read) by
     * the selective sender: a state sent to a peer never includes changes the store may still
     * refuse. Host reads use only {@link #lock} and do not wait for the store.
     */
    final ReentrantReadWriteLock durable = new ReentrantReadWriteLock();

    private final String deviceId;
    private final ReplicaStore store;
    private final Function<String, Optional<CrdtType>> types;
    private final NamespaceCatalog catalog;
    private final Map<EntityRef, CrdtReplica> replicas = new HashMap<>();
    private final Set<EntityRef> dirty = new HashSet<>();

    ReplicaCache(String deviceId, ReplicaStore store, Function<String, Optional<CrdtType>> types, NamespaceCatalog catalog) {
        this.deviceId = deviceId;
        this.store = store;
        this.types = types;
        this.catalog = catalog;
    }

    CrdtType requireType(NamespaceDefinition def) {
        return types.apply(def.crdtType()).orElseThrow(() -> new SyncException(SyncException.Reason.NAMESPACE_UNAVAILABLE,
                "namespace '" + def.name() + "' is unavailable: its CRDT type '" + def.crdtType() + "' is not installed"));
    }

    Optional<CrdtType> type(String name) {
        return types.apply(name);
    }

    /** The replica of an entity whose namespace declares {@code type}; refuses one that holds another type. */
    CrdtReplica replicaFor(EntityRef ref, CrdtType type) throws StoreException {
        CrdtReplica r = replicas.get(ref);
        if (r == null) {
            r = load(ref, type);
        }
        if (!r.typeName().equals(type.name())) {
            throw new SyncException(SyncException.Reason.WRONG_OPERATION, "entity '" + ref.key() + "' in namespace '" + ref.namespace()
                    + "' holds a '" + r.typeName() + "' but the namespace now declares '" + type.name() + "'");
        }
        return r;
    }

    /** The replica in memory, or loaded from its checkpoint (or new) as {@code type}. */
    CrdtReplica getOrLoad(EntityRef ref, CrdtType type) throws StoreException {
        return replicas.containsKey(ref) ? replicas.get(ref) : load(ref, type);
    }

    private CrdtReplica load(EntityRef ref, CrdtType type) throws StoreException {
        Optional<byte[]> state = store.entityState(ref);
        CrdtReplica r;
        if (state.isPresent()) {
            try {
                r = type.decodeState(context(), state.get());
            } catch (CrdtDecodeException e) {
                throw new StoreException("the checkpoint of " + ref + " cannot be decoded by type '" + type.name() + "': " + e.getMessage(), e);
            }
        } else {
            r = type.newReplica(context());
        }
        replicas.put(ref, r);
        return r;
    }

    private ReplicaContext context() {
        return new ReplicaContext(deviceId, types);
    }

    void drop(EntityRef ref) {
        replicas.remove(ref);
    }

    void changed(EntityRef ref) {
        dirty.add(ref);
    }

    void changed(Collection<EntityRef> refs) {
        dirty.addAll(refs);
    }

    /** Forgets everything in memory (before a recovery from the store). */
    void clear() {
        replicas.clear();
        dirty.clear();
    }

    /** Encodes the changed replicas and marks them clean; the caller must save them. Under {@link #lock}. */
    Map<EntityRef, byte[]> encodeDirty() {
        Map<EntityRef, byte[]> states = new HashMap<>();
        for (EntityRef ref : dirty) {
            CrdtReplica r = replicas.get(ref);
            if (r != null) {
                states.put(ref, r.encodeState());
            }
        }
        dirty.clear();
        return states;
    }

    boolean hasChanges() {
        return !dirty.isEmpty();
    }

    // ---------------------------------------------------------------- host reads

    /** The current value of an entity; empty if it was never written or its value is null. */
    Optional<JsonNode> get(String namespace, String key) {
        return read(namespace, key, CrdtReplica::value);
    }

    /** The current value in its type's export form ({@link CrdtReplica#exportValue()}); empty like {@link #get}. */
    Optional<JsonNode> exportValue(String namespace, String key) {
        return read(namespace, key, CrdtReplica::exportValue);
    }

    private Optional<JsonNode> read(String namespace, String key, java.util.function.Function<CrdtReplica, JsonNode> reader) {
        lock.lock();
        try {
            EntityRef ref = new EntityRef(namespace, key);
            CrdtReplica r = replicas.get(ref);
            if (r == null) {
                Optional<byte[]> state = store.entityState(ref);
                if (state.isEmpty()) {
                    return Optional.empty();
                }
                NamespaceDefinition def = catalog.resolve(namespace).orElseThrow(
                        () -> new SyncException(SyncException.Reason.UNKNOWN_NAMESPACE, "unknown namespace '" + namespace + "'"));
                r = load(ref, requireType(def));
            }
            JsonNode v = reader.apply(r);
            return v == null || v.isNull() || v.isMissingNode() ? Optional.empty() : Optional.of(v);
        } catch (StoreException e) {
            throw new SyncException(SyncException.Reason.STORAGE, e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** The keys of a namespace whose value is not null, sorted. */
    List<String> keys(String namespace) {
        lock.lock();
        try {
            TreeSet<String> keys = new TreeSet<>(store.checkpointedKeys(namespace));
            for (EntityRef ref : replicas.keySet()) {
                if (ref.namespace().equals(namespace)) {
                    keys.add(ref.key());
                }
            }
            List<String> present = new ArrayList<>();
            for (String k : keys) {
                if (get(namespace, k).isPresent()) {
                    present.add(k);
                }
            }
            return present;
        } catch (StoreException e) {
            throw new SyncException(SyncException.Reason.STORAGE, e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** Every namespace with an entity in memory or a stream in {@code streams}, sorted. */
    Set<String> namespacesWithData(Collection<String> streams) {
        lock.lock();
        try {
            TreeSet<String> names = new TreeSet<>();
            for (EntityRef ref : replicas.keySet()) {
                names.add(ref.namespace());
            }
            for (String stream : streams) {
                names.add(Streams.namespace(stream));
            }
            return names;
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- undo of local transactions

    Snapshots snapshots(boolean enabled) {
        return new Snapshots(enabled);
    }

    /** Encoded states of replicas taken on first touch, to undo a failed transaction. */
    final class Snapshots {
        private final boolean enabled;
        private final Map<EntityRef, Optional<byte[]>> saved = new LinkedHashMap<>();
        private final Map<EntityRef, CrdtType> savedTypes = new HashMap<>();

        private Snapshots(boolean enabled) {
            this.enabled = enabled;
        }

        /**
         * Records an entity before its first change. A fresh (never written) entity is always
         * recorded — restoring drops it, so a refused write leaves no phantom entity behind; a full
         * encoded snapshot is taken only when enabled (more than one change in the unit).
         */
        void before(EntityRef ref, CrdtReplica replica) {
            if (saved.containsKey(ref)) {
                return;
            }
            boolean fresh = !dirty.contains(ref) && replica.version().asMap().isEmpty();
            if (fresh) {
                saved.put(ref, Optional.empty());
            } else if (enabled) {
                saved.put(ref, Optional.of(replica.encodeState()));
                types.apply(replica.typeName()).ifPresent(t -> savedTypes.put(ref, t));
            }
        }

        void restore() {
            for (Map.Entry<EntityRef, Optional<byte[]>> e : saved.entrySet()) {
                EntityRef ref = e.getKey();
                CrdtType t = savedTypes.get(ref);
                try {
                    if (e.getValue().isEmpty() || t == null) {
                        replicas.remove(ref);
                    } else {
                        replicas.put(ref, t.decodeState(context(), e.getValue().get()));
                    }
                } catch (CrdtDecodeException ex) {
                    LOG.error("could not restore {} from its own snapshot; dropping it from memory", ref, ex);
                    replicas.remove(ref);
                }
            }
        }
    }
}

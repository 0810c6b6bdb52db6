package io.rhizome.core.internal.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import io.rhizome.api.SyncException;
import io.rhizome.api.clock.HlcTimestamp;
import io.rhizome.api.clock.HybridLogicalClock;
import io.rhizome.core.internal.engine.ChangeSetSealer.SealException;
import io.rhizome.spi.crdt.CrdtIntentException;
import io.rhizome.spi.crdt.CrdtReplica;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.namespace.NamespaceDefinition;
import io.rhizome.spi.store.EntityRef;
import io.rhizome.spi.store.NewEntry;
import io.rhizome.spi.store.StoreException;

/**
 * Turns a local transaction into change sets, one per namespace, on the engine thread: every
 * write applies, or none (the replicas it touched are restored).
 */
final class LocalWriter {

    private final String deviceId;
    private final NamespaceCatalog catalog;
    private final ReplicaCache cache;
    private final Recovery recovery;
    private final HybridLogicalClock clock;
    private final Supplier<ChangeSetSealer> sealer;
    private final ChangeSetCodec codec;
    private volatile Supplier<Optional<String>> clockGuard = Optional::empty;
    private volatile java.util.function.Function<String, Set<String>> writePoint = ns -> Set.of();

    LocalWriter(String deviceId, NamespaceCatalog catalog, ReplicaCache cache, Recovery recovery, HybridLogicalClock clock,
            Supplier<ChangeSetSealer> sealer, ChangeSetCodec codec) {
        this.deviceId = deviceId;
        this.catalog = catalog;
        this.cache = cache;
        this.recovery = recovery;
        this.clock = clock;
        this.sealer = sealer;
        this.codec = codec;
    }

    void clockGuard(Supplier<Optional<String>> guard) {
        this.clockGuard = guard == null ? Optional::empty : guard;
    }

    /** Where the sync policy's causal point for each local change set comes from ({@code SyncPolicy.writePoint}). */
    void writePoint(java.util.function.Function<String, Set<String>> point) {
        this.writePoint = point == null ? ns -> Set.of() : point;
    }

    /** Applies the writes to the replicas and adds their change sets to {@code out}; under the replica lock. */
    void write(List<SyncEngine.LocalWrite> writes, Runnable done, GroupOutcome out) {
        ReplicaCache.Snapshots snapshots = cache.snapshots(writes.size() > 1);
        Map<String, List<ChangeSet.Op>> opsByNamespace = new LinkedHashMap<>();
        Set<EntityRef> touched = new LinkedHashSet<>();
        Optional<String> skew = clockGuard.get();
        if (skew.isPresent()) {
            throw new SyncException(SyncException.Reason.CLOCK_SKEW, skew.get());
        }
        HlcTimestamp now = clock.now();
        try {
            for (SyncEngine.LocalWrite w : writes) {
                NamespaceDefinition def = catalog.resolve(w.namespace()).orElseThrow(() -> new SyncException(
                        SyncException.Reason.UNKNOWN_NAMESPACE, "unknown namespace '" + w.namespace()
                                + "': it is not declared and undeclared namespaces are not allowed by configuration"));
                CrdtType type = cache.requireType(def);
                Optional<String> scopeProblem = catalog.scopeProblem(def);
                if (scopeProblem.isPresent()) {
                    throw new SyncException(SyncException.Reason.NAMESPACE_UNAVAILABLE, "namespace '" + def.name() + "' is unavailable: "
                            + scopeProblem.get());
                }
                EntityRef ref = new EntityRef(w.namespace(), w.key());
                CrdtReplica replica = cache.replicaFor(ref, type);
                snapshots.before(ref, replica);
                byte[] op;
                try {
                    op = replica.mutate(w.intent(), now);
                } catch (CrdtIntentException e) {
                    throw new SyncException(SyncException.Reason.WRONG_OPERATION, "namespace '" + w.namespace() + "' ("
                            + def.crdtType() + "): " + e.getMessage());
                }
                opsByNamespace.computeIfAbsent(w.namespace(), n -> new ArrayList<>()).add(new ChangeSet.Op(w.key(), def.crdtType(), op));
                touched.add(ref);
            }
            List<NewEntry> entries = new ArrayList<>();
            Map<String, Long> pending = new HashMap<>();
            for (Map.Entry<String, List<ChangeSet.Op>> e : opsByNamespace.entrySet()) {
                String stream = Streams.id(e.getKey(), deviceId);
                long seq = out.pending.getOrDefault(stream, 0L) + 1;
                ChangeSet cs = new ChangeSet(e.getKey(), deviceId, seq, now.pack(), depsOf(e.getKey(), stream, out.pending), e.getValue(),
                        List.copyOf(writePoint.apply(e.getKey())));
                Envelope env = sealer.get().seal(cs, codec.encode(cs));
                byte[] encoded = codec.encode(env);
                if (encoded.length > SyncEngine.MAX_CHANGE_SET_BYTES) {
                    // The replicas took the operations already; put the entities back as the log has them.
                    recovery.rebuild(new HashSet<>(touched), out.entries);
                    throw new SyncException(SyncException.Reason.VALUE_TOO_LARGE, "the writes of this transaction to namespace '"
                            + e.getKey() + "' encode to " + encoded.length + " bytes, but a change set may be at most "
                            + SyncEngine.MAX_CHANGE_SET_BYTES + " bytes (so that every link can carry it); split the transaction");
                }
                entries.add(new NewEntry(stream, seq, encoded));
                pending.put(stream, seq);
            }
            out.entries.addAll(entries);
            out.pending.putAll(pending);
            out.localCount += entries.size();
            for (EntityRef ref : touched) {
                cache.changed(ref);
                out.changes.add(new EngineListener.EntityChange(ref.namespace(), ref.key(), true, deviceId));
            }
            out.onDurable.add(done);
        } catch (SyncException e) {
            snapshots.restore();
            throw e;
        } catch (SealException e) {
            snapshots.restore();
            throw new SyncException(SyncException.Reason.STORAGE, "cannot seal the change set: " + e.getMessage(), e);
        } catch (StoreException e) {
            snapshots.restore();
            throw new SyncException(SyncException.Reason.STORAGE, e.getMessage(), e);
        } catch (RuntimeException e) {
            snapshots.restore();
            throw e;
        }
    }

    private static Map<String, Long> depsOf(String namespace, String ownStream, Map<String, Long> pending) {
        Map<String, Long> deps = new HashMap<>();
        String prefix = namespace + '|';
        for (Map.Entry<String, Long> e : pending.entrySet()) {
            if (e.getKey().startsWith(prefix) && !e.getKey().equals(ownStream)) {
                deps.put(e.getKey(), e.getValue());
            }
        }
        return deps;
    }
}

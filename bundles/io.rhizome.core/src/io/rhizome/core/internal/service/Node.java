package io.rhizome.core.internal.service;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.rhizome.api.clock.HybridLogicalClock;
import io.rhizome.core.internal.engine.ChangeSetSealer;
import io.rhizome.core.internal.engine.EngineListener;
import io.rhizome.core.internal.engine.NamespaceCatalog;
import io.rhizome.core.internal.engine.SyncEngine;
import io.rhizome.core.internal.sync.Orchestrator;
import io.rhizome.core.internal.sync.PeerBook;
import io.rhizome.core.internal.sync.SyncEvents;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.policy.SyncPolicy;
import io.rhizome.spi.store.MetadataOwner;
import io.rhizome.spi.store.ReplicaStore;
import io.rhizome.spi.store.StoreException;

/**
 * One sync node, wired: engine + orchestrator + host service. Plain Java — the DS component
 * creates one; tests create several in one framework.
 */
public final class Node implements AutoCloseable {

    /** Everything a node is made of. */
    public record Parts(String deviceId, ReplicaStore store, Function<String, Optional<CrdtType>> types, NamespaceCatalog catalog,
            Supplier<ChangeSetSealer> sealer, Supplier<Optional<SyncPolicy>> policy, long maxClockDriftMillis, SyncEngine.Config config) {
    }

    private final SyncEngine engine;
    private final Orchestrator orchestrator;
    private final SyncServiceImpl service;
    private final MeshDeclarations declarations;
    private volatile Runnable stopResyncOnChange = () -> {
    };

    public Node(Parts parts) throws StoreException {
        this(parts, System::currentTimeMillis);
    }

    /** A node whose wall clock is {@code wallClock} (tests and fault injection skew it). */
    public Node(Parts parts, LongSupplier wallClock) throws StoreException {
        Relay relay = new Relay();
        HybridLogicalClock clock = new HybridLogicalClock(wallClock, parts.maxClockDriftMillis());
        engine = new SyncEngine(parts.deviceId(), parts.store(), parts.types(), parts.catalog(), parts.sealer(), parts.policy(), clock, relay,
                parts.config());
        orchestrator = new Orchestrator(engine, new PeerBook(parts.store().metadata(MetadataOwner.engine("peers"))), parts.policy(), parts.maxClockDriftMillis(), wallClock);
        declarations = new MeshDeclarations(engine, wallClock);
        service = new SyncServiceImpl(engine, orchestrator, declarations);
        relay.orchestrator = orchestrator;
        relay.service = service;
        relay.declarations = declarations;
        orchestrator.events(service.streamEvents());
    }

    /** Forwards engine notifications to the orchestrator (sessions) and the host's listeners. */
    private static final class Relay implements EngineListener {
        volatile Orchestrator orchestrator;
        volatile SyncServiceImpl service;
        volatile MeshDeclarations declarations;

        @Override
        public void entitiesChanged(List<EntityChange> changes) {
            // The catalog first: sessions and host listeners then see the declarations that came with the data.
            List<String> declared = changes.stream().filter(c -> c.namespace().equals(NamespaceCatalog.DECLARATIONS))
                    .map(EntityChange::key).distinct().toList();
            if (!declared.isEmpty()) {
                declarations.refresh(declared);
                // Declarations are the node's own bookkeeping, not host data: no events for them.
                changes = changes.stream().filter(c -> !c.namespace().equals(NamespaceCatalog.DECLARATIONS)).toList();
                if (changes.isEmpty()) {
                    return;
                }
            }
            orchestrator.entitiesChanged(changes);
            service.dispatch(changes);
        }
    }

    public Node start() throws StoreException {
        engine.start();
        declarations.refresh();
        orchestrator.start();
        // Streams refused under the old definitions (data that came with or before its
        // declaration) may be accepted now: ask every peer again — but only if something was
        // refused since the last time, so that every new namespace in the mesh does not reset
        // every link.
        java.util.concurrent.atomic.AtomicLong refusedAtLastResync = new java.util.concurrent.atomic.AtomicLong(engine.rejectedRemoteCount());
        stopResyncOnChange = engine.catalog().onChange(() -> {
            long refused = engine.rejectedRemoteCount();
            if (refusedAtLastResync.getAndSet(refused) != refused) {
                orchestrator.forceSync();
            }
        });
        return this;
    }

    public void events(SyncEvents events) {
        orchestrator.events(SyncEvents.both(events, service.streamEvents()));
    }

    public SyncEngine engine() {
        return engine;
    }

    public Orchestrator orchestrator() {
        return orchestrator;
    }

    public SyncServiceImpl service() {
        return service;
    }

    @Override
    public void close() {
        stopResyncOnChange.run();
        orchestrator.close();
        engine.close();
        service.close();
    }
}

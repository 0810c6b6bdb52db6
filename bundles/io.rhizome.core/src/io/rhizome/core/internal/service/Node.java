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
import io.rhizome.spi.store.LogEntry;
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

    public Node(Parts parts) throws StoreException {
        this(parts, System::currentTimeMillis);
    }

    /** A node whose wall clock is {@code wallClock} (tests and fault injection skew it). */
    public Node(Parts parts, LongSupplier wallClock) throws StoreException {
        Relay relay = new Relay();
        HybridLogicalClock clock = new HybridLogicalClock(wallClock, parts.maxClockDriftMillis());
        engine = new SyncEngine(parts.deviceId(), parts.store(), parts.types(), parts.catalog(), parts.sealer(), parts.policy(), clock, relay,
                parts.config());
        orchestrator = new Orchestrator(engine, new PeerBook(parts.store()), parts.policy(), parts.maxClockDriftMillis(), wallClock);
        // A namespace declared or changed here may be what a peer's refused stream waited for.
        parts.catalog().onChange(orchestrator::forceSync);
        service = new SyncServiceImpl(engine, orchestrator);
        relay.orchestrator = orchestrator;
        relay.service = service;
        orchestrator.events(service.streamEvents());
    }

    /** Forwards engine notifications to the orchestrator (sessions) and the host's listeners. */
    private static final class Relay implements EngineListener {
        volatile Orchestrator orchestrator;
        volatile SyncServiceImpl service;

        @Override
        public void entitiesChanged(List<EntityChange> changes) {
            orchestrator.entitiesChanged(changes);
            service.dispatch(changes);
        }

        @Override
        public void appended(List<LogEntry> entries) {
            orchestrator.appended(entries);
        }
    }

    public Node start() throws StoreException {
        engine.start();
        orchestrator.start();
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
        orchestrator.close();
        engine.close();
        service.close();
    }
}

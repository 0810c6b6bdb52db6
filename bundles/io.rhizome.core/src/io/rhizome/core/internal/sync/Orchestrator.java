package io.rhizome.core.internal.sync;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.api.SyncStatus;
import io.rhizome.core.internal.engine.EngineListener;
import io.rhizome.core.internal.engine.SyncEngine;
import io.rhizome.spi.policy.SyncPolicy;
import io.rhizome.spi.policy.TrustedDevices;
import io.rhizome.spi.transport.PeerLink;
import io.rhizome.spi.transport.Transport;
import io.rhizome.spi.transport.TransportListener;

/**
 * Runs sync for one engine: starts and stops transports as they come and go, keeps one session per
 * peer, reconnects to known peers, and reports status. What the sessions read and report goes
 * through the {@link OrchestratorHost}. Thread-safe.
 */
public final class Orchestrator implements TransportListener, EngineListener, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Orchestrator.class);
    static final long RECONNECT_MILLIS = 2000;

    private final SyncEngine engine;
    private final PeerBook peers;
    private final Supplier<Optional<SyncPolicy>> policy;
    private final ExecutorService workers;
    private final ScheduledExecutorService scheduler;
    private final Transports transports;
    private final Map<String, PeerSession> sessions = new ConcurrentHashMap<>();
    private final Object attaching = new Object();
    private final ClockWatch clockWatch;
    private final OrchestratorHost host;
    private final Membership membership = new Membership();
    private final Connector connector;
    private volatile boolean paused;
    private ScheduledFuture<?> reconnectTask;
    private ScheduledFuture<?> presenceTask;
    /** Presence states come and go within a second: the board's heartbeat looks this often. */
    static final long PRESENCE_TICK_MILLIS = 250;
    private final PresenceChannel presence;

    public Orchestrator(SyncEngine engine, PeerBook peers, Supplier<Optional<SyncPolicy>> policy, long maxClockDriftMillis,
            java.util.function.LongSupplier wallClock) {
        this.engine = engine;
        this.clockWatch = new ClockWatch(engine.clock(), maxClockDriftMillis, wallClock, System::nanoTime);
        engine.clockGuard(clockWatch::writeBlock);
        this.presence = new PresenceChannel(engine.deviceId(), wallClock, sessions::values, membership::isTrusted);
        this.peers = peers;
        this.policy = policy;
        this.host = new OrchestratorHost(engine, peers, policy, clockWatch, wallClock, membership, presence, sessions);
        this.transports = new Transports(this::listenerFor, host::recordError);
        this.connector = new Connector(engine.deviceId(), transports, peers, membership, new Connector.Links() {
            @Override
            public boolean hasSession(String peerId, boolean open) {
                PeerSession s = sessions.get(peerId);
                return s != null && (!open || s.isOpen());
            }

            @Override
            public void attach(PeerLink link, boolean initiator) {
                Orchestrator.this.attach(link, initiator);
            }

            @Override
            public boolean paused() {
                return paused;
            }
        });
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()), r -> {
            Thread t = new Thread(r, "rhizome-sync-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "rhizome-reconnect");
            t.setDaemon(true);
            return t;
        });
    }

    public void events(SyncEvents events) {
        host.events(events);
    }

    /**
     * The mesh's trusted devices (paired devices, say): dialled at the addresses they announced and
     * when discovered on the local network; revoked ones are refused and told so.
     */
    public void trusted(TrustedDevices trusted) {
        membership.devices(trusted);
    }

    public synchronized void start() {
        if (reconnectTask == null) {
            reconnectTask = scheduler.scheduleWithFixedDelay(() -> {
                sessions.values().forEach(PeerSession::retryHeld);
                connector.reconnect();
            }, RECONNECT_MILLIS, RECONNECT_MILLIS, TimeUnit.MILLISECONDS);
            presenceTask = scheduler.scheduleWithFixedDelay(presence::tick, PRESENCE_TICK_MILLIS, PRESENCE_TICK_MILLIS,
                    TimeUnit.MILLISECONDS);
        }
    }

    /** This node's presence channel (ephemeral per-device states, see {@link io.rhizome.api.Presence}). */
    public PresenceChannel presence() {
        return presence;
    }

    @Override
    public synchronized void close() {
        if (reconnectTask != null) {
            reconnectTask.cancel(false);
        }
        if (presenceTask != null) {
            presenceTask.cancel(false);
        }
        for (PeerSession s : sessions.values()) {
            s.close("node stopping");
        }
        for (Transport t : transports.all()) {
            removeTransport(t);
        }
        scheduler.shutdownNow();
        workers.shutdown();
        try {
            workers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------ transports

    /**
     * Adds (and starts, unless paused) a transport, and dials the devices it can reach now rather
     * than at the next round: a node's transports start after its orchestrator, so waiting for the
     * round made every start (and every transport installed later) wait up to
     * {@link #RECONNECT_MILLIS} before its first dial.
     */
    public void addTransport(Transport transport) {
        transports.add(transport, paused);
        if (!paused && transports.started(transport.kind()).isPresent()) {
            try {
                scheduler.execute(connector::reconnect);
            } catch (java.util.concurrent.RejectedExecutionException stopped) {
                // the orchestrator is stopping: nothing to dial
            }
        }
    }

    private TransportListener listenerFor(Transport transport) {
        return new TransportListener() {
            @Override
            public void inbound(PeerLink link) {
                Orchestrator.this.inbound(link);
            }

            @Override
            public void discovered(String deviceId, String address) {
                Orchestrator.this.discovered(transport.kind(), deviceId, address);
            }
        };
    }

    public void removeTransport(Transport transport) {
        if (transports.remove(transport)) {
            for (PeerSession s : sessions.values()) {
                if (s.link().transportKind().equals(transport.kind())) {
                    s.close("transport '" + transport.kind() + "' went away");
                }
            }
        }
    }

    public List<String> listenAddresses() {
        return transports.listenAddresses();
    }

    /** Stops syncing: closes sessions and stops transports (writes still work and queue up). */
    public void pause() {
        paused = true;
        for (PeerSession s : sessions.values()) {
            s.close("sync paused");
        }
        transports.stopAll();
    }

    /** Resumes after {@link #pause()}. */
    public void resume() {
        paused = false;
        transports.startStopped();
        connector.reconnect();
    }

    /** Asks every connected peer for what this node lacks, and reconnects to known peers now. */
    public void forceSync() {
        sessions.values().forEach(PeerSession::requestSync);
        scheduler.execute(connector::reconnect);
    }

    // ------------------------------------------------------------------ links and sessions

    /**
     * Connects to a peer at an address of a transport kind, and remembers the address for reconnects.
     */
    public CompletionStage<String> connect(String kind, String address) {
        return connector.connect(kind, address, Optional.empty());
    }


    @Override
    public void inbound(PeerLink link) {
        if (paused) {
            link.close();
            return;
        }
        attach(link, false);
    }

    /** A transport found {@code deviceId} on the local network: dial it if it is trusted and not connected. */
    public void discovered(String kind, String deviceId, String address) {
        connector.discovered(kind, deviceId, address);
    }

    /** Closes a peer's session and drops its record, so it is not reconnected (revocation). */
    public void forget(String peerId) {
        PeerSession s;
        synchronized (attaching) {
            membership.forget(peerId);
            s = sessions.remove(peerId);
        }
        host.forget(peerId);
        clockWatch.forget(peerId);
        presence.forget(peerId);
        if (s != null) {
            s.close("device " + peerId + " was revoked");
        }
        peers.remove(peerId);
    }

    private void attach(PeerLink link, boolean initiator) {
        String peerId = link.remotePeerId();
        PeerSession session;
        PeerSession previous;
        // checked and registered under one lock with forget(): a link being attached while its device is revoked
        // is either refused here or closed there, never left running
        synchronized (attaching) {
            if (membership.selfRevoked()) {
                link.close();
                return;
            }
            if (membership.refusesRevoked(peerId)) {
                // tell it first, so it stops dialling; the link is closed once the error is written
                link.send(host.codec().encode(Membership.revokedError(engine.deviceId()))).whenComplete((ok, failure) -> link.close());
                return;
            }
            if (peerId.equals(engine.deviceId())) {
                LOG.warn("refusing a link to ourselves over '{}'", link.transportKind());
                link.close();
                return;
            }
            session = new PeerSession(link, initiator, host, workers);
            previous = sessions.put(peerId, session);
        }
        if (previous != null) {
            previous.close("replaced by a newer link");
        }
        session.start();
    }

    /** The peer book: what this node knows of each peer, persisted (cursors, addresses, last sync). */
    public PeerBook peers() {
        return peers;
    }

    // ------------------------------------------------------------------ engine listener

    @Override
    public void entitiesChanged(List<EntityChange> changes) {
        host.events().entitiesUpdated(changes);
    }

    // ------------------------------------------------------------------ status

    public Optional<PeerSession> session(String peerId) {
        return Optional.ofNullable(sessions.get(peerId));
    }

    public SyncStatus status() {
        List<StatusReport.Peer> list = new ArrayList<>();
        Map<String, PeerRecord> records = new java.util.TreeMap<>();
        for (PeerRecord r : peers.all()) {
            records.put(r.peerId(), r);
        }
        for (PeerSession s : sessions.values()) {
            records.putIfAbsent(s.peerId(), PeerRecord.fresh(s.peerId()));
        }
        // A trusted device this node never exchanged with is a peer too: offline, everything pending.
        membership.trustedIds().stream().filter(id -> !id.equals(engine.deviceId())).forEach(id -> records.putIfAbsent(id, PeerRecord.fresh(id)));
        for (PeerRecord r : records.values()) {
            list.add(new StatusReport.Peer(r, Optional.ofNullable(sessions.get(r.peerId())), host.heldSnapshot(r.peerId())));
        }
        boolean online = transports.anyStarted();
        return new StatusReport(engine, policy.get()).build(list, online, host.recentError(),
                clockWatch.writeBlock().or(clockWatch::behind), membership.revocation());
    }
}

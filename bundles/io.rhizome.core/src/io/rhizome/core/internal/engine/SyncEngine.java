package io.rhizome.core.internal.engine;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;

import io.rhizome.api.SyncException;
import io.rhizome.api.clock.HybridLogicalClock;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.namespace.NamespaceDefinition;
import io.rhizome.spi.policy.SyncPolicy;
import io.rhizome.spi.store.LogEntry;
import io.rhizome.spi.store.ReplicaStore;
import io.rhizome.spi.store.StoreException;

/**
 * The sync engine of one node: turns local transactions into change sets, applies remote change
 * sets, keeps the materialised replicas, and makes everything durable through the
 * {@link ReplicaStore}; no caller gets the store from the engine. What leaves the replica goes
 * through an {@link Outbox} per peer, what enters through the {@link Inbox}.
 *
 * <p>The parts, each with one job: {@link GroupCommit} (the one engine thread and its group
 * commit), {@link LocalWriter} (local transactions), {@link IncomingCheck} and
 * {@link RemoteApplier} (validating and applying remote batches), {@link ReplicaCache} (the
 * replicas in memory), {@link Recovery} (rebuilding from the store), {@link Checkpointer}, and
 * {@link ScopedSender} with {@link SendFilter} (what a peer may receive, selective scopes).
 *
 * <p><b>Atomicity.</b> A transaction or a remote batch is validated before any replica changes;
 * if applying still fails half-way, the replicas it touched are restored, so nothing is
 * half-applied. If the store fails, the in-memory state is rebuilt from the store.
 *
 * <p><b>Recovery.</b> On start, replicas come from the last checkpoint plus a replay of the log
 * after it. Checkpoints are taken every {@link Config#checkpointEvery()} change sets and on close.
 */
public final class SyncEngine implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SyncEngine.class);

    /**
     * Tunables.
     *
     * @param maxDrain        most work items per group commit
     * @param checkpointEvery change sets between checkpoints
     */
    public record Config(int maxDrain, int checkpointEvery, long writeTimeoutMillis) {
        public static final Config DEFAULT = new Config(4096, 20_000, 60_000);
    }

    /** One write of a local transaction. */
    public record LocalWrite(String namespace, String key, JsonNode intent) {
        public LocalWrite {
            Objects.requireNonNull(namespace, "namespace");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(intent, "intent");
        }
    }

    /**
     * The largest encoded change set a local transaction may produce (per namespace): half the
     * 16 MiB frame every transport carries, so a change set always fits one batch, whatever the
     * envelope and batch framing add. Larger transactions are refused when written, never held
     * back later.
     */
    public static final int MAX_CHANGE_SET_BYTES = 8 * 1024 * 1024;

    private final String deviceId;
    private final ReplicaStore store;
    private final Function<String, Optional<CrdtType>> types;
    private final NamespaceCatalog catalog;
    private final Supplier<Optional<SyncPolicy>> policy;
    private final HybridLogicalClock clock;
    private final Config config;
    private final Map<String, Long> versions = new ConcurrentHashMap<>();
    private final ReplicaCache cache;
    private final Checkpointer checkpointer;
    private final Recovery recovery;
    private final LocalWriter local;
    private final GroupCommit commit;
    private final Inbox inbox;
    private final ScopedSender scoped;
    private final Outboxes outboxes = new Outboxes();
    /** Per peer, what store-and-forward transports left for it (see {@link #forwarded}). */
    private final Map<String, Map<String, Long>> forwarded = new ConcurrentHashMap<>();
    private volatile boolean running;

    public SyncEngine(String deviceId, ReplicaStore store, Function<String, Optional<CrdtType>> types, NamespaceCatalog catalog,
            Supplier<ChangeSetSealer> sealer, Supplier<Optional<SyncPolicy>> policy, HybridLogicalClock clock,
            EngineListener listener, Config config) {
        this.deviceId = Objects.requireNonNull(deviceId, "deviceId");
        this.store = store;
        this.types = types;
        this.catalog = catalog;
        this.policy = policy;
        this.clock = clock;
        this.config = config;
        ChangeSetCodec codec = new ChangeSetCodec();
        this.cache = new ReplicaCache(deviceId, store, types, catalog);
        this.checkpointer = new Checkpointer(deviceId, store, cache, config);
        this.recovery = new Recovery(store, cache, versions, checkpointer, sealer, codec);
        this.local = new LocalWriter(deviceId, catalog, cache, recovery, clock, sealer, codec);
        local.writePoint(namespace -> writePointOf(policy.get(), namespace));
        AtomicLong rejected = new AtomicLong();
        RemoteApplier remote = new RemoteApplier(cache, new IncomingCheck(catalog, types, clock), recovery, policy, versions, rejected);
        this.commit = new GroupCommit(store, cache, local, remote, recovery, checkpointer, outboxes, listener, versions, rejected,
                config.maxDrain());
        this.inbox = new Inbox(commit, sealer, codec, config.writeTimeoutMillis(), () -> running);
        this.scoped = new ScopedSender(deviceId, cache, clock, sealer, codec);
    }

    /** The policy's causal point for a local write; a policy that fails here writes none (logged), rather than failing the write. */
    private static java.util.Set<String> writePointOf(Optional<SyncPolicy> p, String namespace) {
        if (p.isEmpty()) {
            return java.util.Set.of();
        }
        try {
            java.util.Set<String> point = p.get().writePoint(namespace);
            return point == null ? java.util.Set.of() : point;
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(SyncEngine.class).warn("sync policy {} failed to give a write point; the write carries none: {}",
                    p.get().getClass().getName(), e.toString());
            return java.util.Set.of();
        }
    }

    public String deviceId() {
        return deviceId;
    }

    /**
     * Says why local writes must not be stamped now (peers refuse this node's clock), if so; local
     * transactions are then refused with {@link SyncException.Reason#CLOCK_SKEW}. Called on the
     * engine thread for every local transaction, so it must be cheap.
     */
    public void clockGuard(Supplier<Optional<String>> guard) {
        local.clockGuard(guard);
    }

    public HybridLogicalClock clock() {
        return clock;
    }

    public NamespaceCatalog catalog() {
        return catalog;
    }

    public Optional<CrdtType> type(String name) {
        return types.apply(name);
    }

    /** Where the store keeps its data, for status output. */
    public String storeLocation() {
        return store.location();
    }

    /** Whether this engine keeps its data in {@code s} (the store a component chose). */
    public boolean runsOn(ReplicaStore s) {
        return store == s;
    }

    /** Recovers the state from the store and starts the engine thread. */
    public synchronized void start() throws StoreException {
        if (running) {
            return;
        }
        recovery.recover();
        running = true;
        commit.start("rhizome-engine-" + shortId(deviceId));
    }

    @Override
    public synchronized void close() {
        if (!running) {
            return;
        }
        running = false;
        commit.stop();
        try {
            checkpointer.checkpoint();
        } catch (StoreException e) {
            LOG.warn("final checkpoint failed (the log replays on next start): {}", e.getMessage());
        }
        commit.failQueued(new SyncException(SyncException.Reason.CLOSED, "the sync engine stopped before this write was "
                + "stored; nothing of it was stored"));
    }

    public boolean isRunning() {
        return running;
    }

    // ---------------------------------------------------------------- what enters and leaves

    /** What enters this replica from peers. */
    public Inbox inbox() {
        return inbox;
    }

    /** The log as a backup reads and restores it (see {@link io.rhizome.api.ReplicaArchive}). */
    public io.rhizome.api.ReplicaArchive archive() {
        return new EngineArchive(store, this::versions, inbox);
    }

    /**
     * Opens the outbox of what {@code peerId} lacks. New log entries reach it as they become
     * durable, and then {@code wake} runs (on the engine thread; it must not block). Close it when
     * the peer goes.
     */
    public Outbox outbox(String peerId, Runnable wake) {
        Outbox o = new Outbox(peerId, store, scoped, catalog, types, policy, wake, outboxes);
        outboxes.add(o);
        return o;
    }

    /**
     * A store-and-forward transport left {@code versions} where {@code peerId} picks them up (a
     * cloud folder): the peer's pending count is what lies beyond them, not only beyond what a
     * live link had acknowledged. Kept in memory; the transport says it again on every round.
     */
    public void forwarded(String peerId, Map<String, Long> versions) {
        forwarded.merge(peerId, Map.copyOf(versions), (a, b) -> {
            Map<String, Long> m = new java.util.HashMap<>(a);
            b.forEach((k, v) -> m.merge(k, v, Math::max));
            return Map.copyOf(m);
        });
    }

    /** What store-and-forward transports left for {@code peerId}; empty if none. */
    public Map<String, Long> forwardedTo(String peerId) {
        return forwarded.getOrDefault(peerId, Map.of());
    }

    /** See {@link ScopedSender#scopedEntry}. */
    public byte[] scopedEntry(LogEntry entry, NamespaceDefinition def, ScopePredicate predicate) throws StoreException {
        return scoped.scopedEntry(entry, def, predicate);
    }

    // ---------------------------------------------------------------- local writes

    /**
     * Writes a transaction: every write, or none. Returns once the change sets are durable.
     *
     * @throws SyncException if a namespace is unknown or unavailable, an intent is invalid, the
     *                       store fails, or the engine is stopped; nothing was written
     */
    public void write(List<LocalWrite> writes) {
        if (writes.isEmpty()) {
            return;
        }
        if (!running) {
            throw new SyncException(SyncException.Reason.CLOSED, "the sync engine is not running; nothing was stored");
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        commit.local(List.copyOf(writes), done);
        try {
            done.get(config.writeTimeoutMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SyncException se) {
                throw se;
            }
            throw new SyncException(SyncException.Reason.STORAGE, "write failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new SyncException(SyncException.Reason.STORAGE, "the write was not durable within " + config.writeTimeoutMillis()
                    + " ms; it may still be stored: read the value back before writing it again");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SyncException(SyncException.Reason.CLOSED, "interrupted while waiting for the write; it may still be "
                    + "stored: read the value back before writing it again");
        }
    }

    // ---------------------------------------------------------------- reads

    /** The current value of an entity; empty if it was never written or its value is null. */
    public Optional<JsonNode> get(String namespace, String key) {
        return cache.get(namespace, key);
    }

    /** The current value of an entity in its type's export form ({@link io.rhizome.spi.crdt.CrdtReplica#exportValue()}); empty like {@link #get}. */
    public Optional<JsonNode> exportValue(String namespace, String key) {
        return cache.exportValue(namespace, key);
    }

    /** The keys of a namespace whose value is not null, sorted. */
    public List<String> keys(String namespace) {
        return cache.keys(namespace);
    }

    /** Every namespace that holds at least one entity (checkpointed or in memory), sorted. */
    public Set<String> namespacesWithData() {
        return cache.namespacesWithData(versions.keySet());
    }

    /** What this node holds: stream → highest change-set number. A snapshot. */
    public Map<String, Long> versions() {
        return Map.copyOf(versions);
    }

    /** The position the next log entry gets (= log entries so far). */
    public long logHead() {
        return store.head();
    }

    public long appliedRemoteCount() {
        return commit.appliedRemote.get();
    }

    public long rejectedRemoteCount() {
        return commit.rejectedRemote.get();
    }

    public long localChangeSetCount() {
        return commit.localChangeSets.get();
    }

    /**
     * Saves every changed replica with the log position it includes, synchronously. Waits for a
     * checkpoint the engine is writing in the background first, so positions only grow.
     */
    public void checkpoint() throws StoreException {
        checkpointer.checkpoint();
    }

    static String shortId(String id) {
        return id.length() <= 12 ? id : id.substring(0, 12);
    }
}

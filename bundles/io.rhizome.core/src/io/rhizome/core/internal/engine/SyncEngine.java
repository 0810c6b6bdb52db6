package io.rhizome.core.internal.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;

import io.rhizome.api.SyncException;
import io.rhizome.api.clock.HlcTimestamp;
import io.rhizome.api.clock.HybridLogicalClock;
import io.rhizome.core.internal.engine.ChangeSetCodec.InvalidChangeSetException;
import io.rhizome.core.internal.engine.ChangeSetSealer.SealException;
import io.rhizome.core.internal.protocol.Message;
import io.rhizome.core.internal.protocol.ProtocolException;
import io.rhizome.spi.crdt.CrdtDecodeException;
import io.rhizome.spi.crdt.CrdtIntentException;
import io.rhizome.spi.crdt.CrdtReplica;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crdt.ReplicaContext;
import io.rhizome.spi.namespace.NamespaceDefinition;
import io.rhizome.spi.policy.SyncPolicy;
import io.rhizome.spi.store.EntityRef;
import io.rhizome.spi.store.LogEntry;
import io.rhizome.spi.store.NewEntry;
import io.rhizome.spi.store.ReplicaStore;
import io.rhizome.spi.store.StoreException;

/**
 * The sync engine of one node: turns local transactions into change sets, applies remote change
 * sets, keeps the materialised replicas, and makes everything durable through the
 * {@link ReplicaStore}.
 *
 * <p><b>One writer.</b> All mutations run on one engine thread, which drains whatever work is
 * queued (local transactions and remote batches), applies it to the replicas, and appends all the
 * resulting change sets in one store call: many concurrent writers share one commit (group
 * commit). A caller returns only after its change sets are durable.
 *
 * <p><b>Atomicity.</b> A transaction or a remote batch is validated before any replica changes;
 * if applying still fails half-way, the replicas it touched are restored from snapshots taken on
 * first touch, so nothing is half-applied. If the store fails, the in-memory state is rebuilt
 * from the store.
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

    /** The outcome of a remote batch: what was applied, and the streams refused (each from its {@code seq} on). */
    public record RemoteResult(int applied, int duplicates, Map<String, Long> versions, List<Message.Refusal> refusals) {
    }

    /** One write of a local transaction. */
    public record LocalWrite(String namespace, String key, JsonNode intent) {
        public LocalWrite {
            Objects.requireNonNull(namespace, "namespace");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(intent, "intent");
        }
    }

    private sealed interface Work permits LocalWork, RemoteWork, Stop {
    }

    private record LocalWork(List<LocalWrite> writes, CompletableFuture<Void> done) implements Work {
    }

    private record RemoteWork(String peerId, List<Decoded> entries, CompletableFuture<RemoteResult> done) implements Work {
    }

    private record Stop() implements Work {
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
    private final Supplier<ChangeSetSealer> sealer;
    private final Supplier<Optional<SyncPolicy>> policy;
    private final HybridLogicalClock clock;
    private final EngineListener listener;
    private final Config config;
    private final ChangeSetCodec codec = new ChangeSetCodec();
    private final IncomingCheck incoming;
    /** Engine thread only: per peer, the streams whose last change set from it was refused. */
    private final Map<String, Set<String>> refusedFrom = new HashMap<>();

    private final ReentrantLock replicaLock = new ReentrantLock();
    /**
     * Held (write) by the engine thread from applying a group until it is durable, and (read) by
     * {@link #scopedEntry}: a state sent to a peer never includes changes the store may still
     * refuse. Host reads use only {@link #replicaLock} and do not wait for the store.
     */
    private final java.util.concurrent.locks.ReentrantReadWriteLock durableLock = new java.util.concurrent.locks.ReentrantReadWriteLock();
    private final Map<EntityRef, CrdtReplica> replicas = new HashMap<>();
    private final Set<EntityRef> dirty = new java.util.HashSet<>();
    private final Map<String, Long> versions = new ConcurrentHashMap<>();
    private final LinkedBlockingQueue<Work> queue = new LinkedBlockingQueue<>();
    private final AtomicLong appliedRemote = new AtomicLong();
    private final AtomicLong rejectedRemote = new AtomicLong();
    private final AtomicLong localChangeSets = new AtomicLong();
    private long sinceCheckpoint;
    /** Entities whose background checkpoint failed: changed again for the next one. */
    private final java.util.concurrent.ConcurrentLinkedQueue<EntityRef> unsaved = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.concurrent.ExecutorService checkpointer;
    private volatile CompletableFuture<Void> backgroundCheckpoint;
    private Thread thread;
    private volatile boolean running;
    private volatile Supplier<Optional<String>> clockGuard = Optional::empty;

    public SyncEngine(String deviceId, ReplicaStore store, Function<String, Optional<CrdtType>> types, NamespaceCatalog catalog,
            Supplier<ChangeSetSealer> sealer, Supplier<Optional<SyncPolicy>> policy, HybridLogicalClock clock,
            EngineListener listener, Config config) {
        this.deviceId = Objects.requireNonNull(deviceId, "deviceId");
        this.store = store;
        this.types = types;
        this.catalog = catalog;
        this.sealer = sealer;
        this.policy = policy;
        this.clock = clock;
        this.listener = listener;
        this.config = config;
        this.incoming = new IncomingCheck(catalog, types, clock);
        // One thread, only while there is a checkpoint to write (no idle thread per engine).
        java.util.concurrent.ThreadPoolExecutor exec = new java.util.concurrent.ThreadPoolExecutor(1, 1, 5, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "rhizome-checkpoint-" + shortId(deviceId));
                    t.setDaemon(true);
                    return t;
                });
        exec.allowCoreThreadTimeOut(true);
        this.checkpointer = exec;
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
        this.clockGuard = guard == null ? Optional::empty : guard;
    }

    public HybridLogicalClock clock() {
        return clock;
    }

    public ReplicaStore store() {
        return store;
    }

    public NamespaceCatalog catalog() {
        return catalog;
    }

    public Optional<CrdtType> type(String name) {
        return types.apply(name);
    }

    /** Recovers the state from the store and starts the engine thread. */
    public synchronized void start() throws StoreException {
        if (running) {
            return;
        }
        recover();
        running = true;
        thread = new Thread(this::loop, "rhizome-engine-" + shortId(deviceId));
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public synchronized void close() {
        if (!running) {
            return;
        }
        running = false;
        queue.add(new Stop());
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            checkpoint();
        } catch (StoreException e) {
            LOG.warn("final checkpoint failed (the log replays on next start): {}", e.getMessage());
        }
        for (Work w : queue) {
            fail(w, new SyncException(SyncException.Reason.CLOSED, "the sync engine stopped"));
        }
        queue.clear();
    }

    public boolean isRunning() {
        return running;
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
            throw new SyncException(SyncException.Reason.CLOSED, "the sync engine is not running");
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        queue.add(new LocalWork(List.copyOf(writes), done));
        await(done);
    }

    /** Applies a batch of encoded envelopes from a peer: all of them, or none. Blocks until done. */
    public RemoteResult applyRemote(String peerId, List<byte[]> envelopes) throws ProtocolException {
        CompletableFuture<RemoteResult> done = applyRemoteAsync(peerId, envelopes);
        try {
            return done.get(config.writeTimeoutMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw asProtocolException(e.getCause());
        } catch (TimeoutException e) {
            throw new ProtocolException(ProtocolException.UNAVAILABLE, "the engine did not apply the batch in time");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProtocolException(ProtocolException.UNAVAILABLE, "interrupted");
        }
    }

    /**
     * Applies a batch of encoded envelopes from a peer: all of them, or none. Decoding, opening
     * (decryption and signature checks) and body decoding happen on the calling thread, so that
     * they overlap with the engine applying earlier batches; everything that depends on the
     * replica state runs on the engine thread. Batches are applied in the order of the calls.
     *
     * @return completes, on the engine thread, once the batch is durable, or exceptionally with a
     *         {@link ProtocolException} (see {@link #asProtocolException})
     */
    public CompletableFuture<RemoteResult> applyRemoteAsync(String peerId, List<byte[]> envelopes) {
        if (!running) {
            return CompletableFuture.failedFuture(new ProtocolException(ProtocolException.UNAVAILABLE, "the sync engine is stopping"));
        }
        List<Decoded> decoded = new ArrayList<>(envelopes.size());
        ChangeSetSealer s = sealer.get();
        for (byte[] raw : envelopes) {
            decoded.add(decode(raw, s));
        }
        List<Decoded> declarations = declarationsOf(decoded);
        if (!declarations.isEmpty() && declarations.size() < decoded.size()) {
            return declarationsFirst(peerId, declarations, decoded);
        }
        CompletableFuture<RemoteResult> done = new CompletableFuture<>();
        queue.add(new RemoteWork(peerId, decoded, done));
        return done.orTimeout(config.writeTimeoutMillis(), TimeUnit.MILLISECONDS);
    }

    /** The entries of the reserved declarations namespace, in batch order. */
    private static List<Decoded> declarationsOf(List<Decoded> decoded) {
        List<Decoded> out = new ArrayList<>();
        for (Decoded d : decoded) {
            if (d.entry() instanceof Envelope e && e.namespace().equals(NamespaceCatalog.DECLARATIONS)) {
                out.add(d);
            }
        }
        return out;
    }

    /**
     * Applies the namespace declarations of a batch as a unit of their own, before the rest: data
     * that needs a declaration arrives in the same batch as it (it is logged right before the
     * data), and must not refuse the declaration along with itself — otherwise the receiver
     * never learns the namespace. If the rest is refused, the batch is reported refused (the
     * peer sends it again; the declarations are then duplicates) while the declarations stay,
     * and the catalog's change hook asks the peer for the rest again.
     */
    private CompletableFuture<RemoteResult> declarationsFirst(String peerId, List<Decoded> declarations, List<Decoded> all) {
        List<Decoded> rest = new ArrayList<>(all);
        rest.removeAll(declarations);
        CompletableFuture<RemoteResult> first = new CompletableFuture<>();
        CompletableFuture<RemoteResult> second = new CompletableFuture<>();
        queue.add(new RemoteWork(peerId, declarations, first));
        queue.add(new RemoteWork(peerId, rest, second));
        // Both complete on the engine thread, the second after the first: the batch's result is the second's.
        return second.handle((r, failure) -> {
            if (failure != null) {
                throw failure instanceof java.util.concurrent.CompletionException ce ? ce : new java.util.concurrent.CompletionException(failure);
            }
            if (first.isCompletedExceptionally()) {
                // Refused declarations must be sent again: the batch as a whole is refused with their reason.
                return first.join();
            }
            RemoteResult d = first.join();
            return new RemoteResult(d.applied() + r.applied(), d.duplicates() + r.duplicates(), r.versions(), r.refusals());
        }).orTimeout(config.writeTimeoutMillis(), TimeUnit.MILLISECONDS);
    }

    /** The failure of {@link #applyRemoteAsync} as the protocol error to report. */
    public static ProtocolException asProtocolException(Throwable t) {
        if (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof ProtocolException pe) {
            return pe;
        }
        if (t instanceof TimeoutException) {
            return new ProtocolException(ProtocolException.UNAVAILABLE, "the engine did not apply the batch in time");
        }
        return new ProtocolException(ProtocolException.UNAVAILABLE, "could not apply the batch: " + t.getMessage(), t);
    }

    /**
     * One incoming entry, decoded and opened off the engine thread. Failures are kept, not thrown,
     * so the engine reports them at the same point of validation as before (a duplicate is a
     * duplicate even if its body would not open).
     *
     * @param entry       the {@link Envelope} or {@link ScopedEnvelope}; null if undecodable
     * @param body        the {@link ChangeSet} or {@link ScopedBody}; null if it did not open
     * @param decodeError why the entry is undecodable
     * @param openError   why the body did not open or decode
     */
    record Decoded(byte[] raw, Object entry, Object body, Exception decodeError, Exception openError) {
    }

    private Decoded decode(byte[] raw, ChangeSetSealer s) {
        Object entry;
        try {
            entry = codec.decodeEntry(raw);
        } catch (InvalidChangeSetException e) {
            return new Decoded(raw, null, null, e, null);
        }
        try {
            Object body = entry instanceof ScopedEnvelope se ? codec.decodeScopedBody(s.openScoped(se))
                    : codec.decodeChangeSet(s.open((Envelope) entry));
            return new Decoded(raw, entry, body, null, null);
        } catch (SealException | InvalidChangeSetException | RuntimeException e) {
            return new Decoded(raw, entry, null, null, e);
        }
    }

    private <T> T await(CompletableFuture<T> done) {
        try {
            return done.get(config.writeTimeoutMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SyncException se) {
                throw se;
            }
            throw new SyncException(SyncException.Reason.STORAGE, "write failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new SyncException(SyncException.Reason.STORAGE, "the write was not durable within " + config.writeTimeoutMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SyncException(SyncException.Reason.CLOSED, "interrupted while waiting for the write");
        }
    }

    // ---------------------------------------------------------------- reads

    /** The current value of an entity; empty if it was never written or its value is null. */
    public Optional<JsonNode> get(String namespace, String key) {
        return read(namespace, key, CrdtReplica::value);
    }

    /** The current value of an entity in its type's export form ({@link CrdtReplica#exportValue()}); empty like {@link #get}. */
    public Optional<JsonNode> exportValue(String namespace, String key) {
        return read(namespace, key, CrdtReplica::exportValue);
    }

    private Optional<JsonNode> read(String namespace, String key, Function<CrdtReplica, JsonNode> reader) {
        replicaLock.lock();
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
            replicaLock.unlock();
        }
    }

    /** The keys of a namespace whose value is not null, sorted. */
    public List<String> keys(String namespace) {
        replicaLock.lock();
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
            replicaLock.unlock();
        }
    }

    /** Every namespace that holds at least one entity (checkpointed or in memory), sorted. */
    public Set<String> namespacesWithData() {
        replicaLock.lock();
        try {
            TreeSet<String> names = new TreeSet<>();
            for (EntityRef ref : replicas.keySet()) {
                names.add(ref.namespace());
            }
            for (String stream : versions.keySet()) {
                names.add(Streams.namespace(stream));
            }
            return names;
        } finally {
            replicaLock.unlock();
        }
    }

    /** What this node holds: stream → highest change-set number. A snapshot. */
    public Map<String, Long> versions() {
        return Map.copyOf(versions);
    }

    public long appliedRemoteCount() {
        return appliedRemote.get();
    }

    public long rejectedRemoteCount() {
        return rejectedRemote.get();
    }

    public long localChangeSetCount() {
        return localChangeSets.get();
    }

    // ---------------------------------------------------------------- engine thread

    private void loop() {
        List<Work> group = new ArrayList<>();
        while (true) {
            group.clear();
            try {
                group.add(queue.take());
            } catch (InterruptedException e) {
                return;
            }
            queue.drainTo(group, config.maxDrain() - 1);
            boolean stop = group.removeIf(w -> w instanceof Stop);
            if (!group.isEmpty()) {
                process(group);
            }
            if (stop) {
                return;
            }
        }
    }

    /** Per-group results to publish once the group is durable. */
    private static final class Outcome {
        final List<NewEntry> entries = new ArrayList<>();
        final List<EngineListener.EntityChange> changes = new ArrayList<>();
        final List<Runnable> onDurable = new ArrayList<>();
        final Map<String, Long> pending = new HashMap<>();
        int localCount;
        int remoteCount;
    }

    private void process(List<Work> group) {
        durableLock.writeLock().lock();
        try {
            processGroup(group);
        } finally {
            durableLock.writeLock().unlock();
        }
    }

    private void processGroup(List<Work> group) {
        Outcome out = new Outcome();
        out.pending.putAll(versions);
        List<Work> accepted = new ArrayList<>();
        // Refusals are reported in group order together with the successes (below), so that a
        // peer gets the answers to its batches in the order it sent them.
        Map<Work, Exception> refused = new java.util.IdentityHashMap<>();
        replicaLock.lock();
        try {
            for (Work w : group) {
                try {
                    if (w instanceof LocalWork lw) {
                        processLocal(lw, out);
                    } else if (w instanceof RemoteWork rw) {
                        processRemote(rw, out);
                    }
                    accepted.add(w);
                } catch (SyncException | ProtocolException e) {
                    if (w instanceof RemoteWork) {
                        rejectedRemote.incrementAndGet();
                    }
                    refused.put(w, e);
                } catch (RuntimeException e) {
                    LOG.error("unexpected failure applying {}", w.getClass().getSimpleName(), e);
                    refused.put(w, w instanceof RemoteWork
                            ? new ProtocolException(ProtocolException.INVALID_CHANGE_SET, "could not apply: " + e)
                            : new SyncException(SyncException.Reason.INVALID_VALUE, "could not apply: " + e));
                }
            }
        } finally {
            replicaLock.unlock();
        }
        List<LogEntry> appended = List.of();
        if (!out.entries.isEmpty()) {
            try {
                appended = store.append(out.entries, Map.of());
            } catch (StoreException | RuntimeException e) {
                LOG.error("the store refused {} change set(s): {}; rebuilding the in-memory state from the store", out.entries.size(),
                        e.getMessage());
                // Rebuild first, so that no caller can read what failed once it is told so.
                try {
                    recover();
                } catch (StoreException re) {
                    LOG.error("recovery from the store failed: {}", re.getMessage());
                }
                for (Work w : group) {
                    Exception why = refused.get(w);
                    fail(w, why != null ? why : w instanceof RemoteWork
                            ? new ProtocolException(ProtocolException.UNAVAILABLE, "storage failure: " + e.getMessage())
                            : new SyncException(SyncException.Reason.STORAGE, "storage failure: " + e.getMessage(), e));
                }
                return;
            }
        }
        versions.putAll(out.pending);
        localChangeSets.addAndGet(out.localCount);
        appliedRemote.addAndGet(out.remoteCount);
        sinceCheckpoint += out.entries.size();
        // Each accepted work added exactly one completion, in group order.
        java.util.Iterator<Runnable> completions = out.onDurable.iterator();
        for (Work w : group) {
            Exception why = refused.get(w);
            if (why != null) {
                fail(w, why);
            } else {
                completions.next().run();
            }
        }
        if (!out.changes.isEmpty()) {
            safely(() -> listener.entitiesChanged(out.changes));
        }
        if (!appended.isEmpty()) {
            List<LogEntry> a = appended;
            safely(() -> listener.appended(a));
        }
        if (sinceCheckpoint >= config.checkpointEvery()) {
            checkpointInBackground();
        }
    }

    private void safely(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.warn("engine listener failed", e);
        }
    }

    private static void fail(Work w, Exception e) {
        if (w instanceof LocalWork lw) {
            lw.done().completeExceptionally(e);
        } else if (w instanceof RemoteWork rw) {
            rw.done().completeExceptionally(e);
        }
    }

    // ---------------------------------------------------------------- local processing

    private void processLocal(LocalWork work, Outcome out) {
        Snapshots snapshots = new Snapshots(work.writes().size() > 1);
        Map<String, List<ChangeSet.Op>> opsByNamespace = new LinkedHashMap<>();
        Set<EntityRef> touched = new LinkedHashSet<>();
        Optional<String> skew = clockGuard.get();
        if (skew.isPresent()) {
            throw new SyncException(SyncException.Reason.CLOCK_SKEW, skew.get());
        }
        HlcTimestamp now = clock.now();
        try {
            for (LocalWrite w : work.writes()) {
                NamespaceDefinition def = catalog.resolve(w.namespace()).orElseThrow(() -> new SyncException(
                        SyncException.Reason.UNKNOWN_NAMESPACE, "unknown namespace '" + w.namespace()
                                + "': it is not declared and undeclared namespaces are not allowed by configuration"));
                CrdtType type = requireType(def);
                Optional<String> scopeProblem = catalog.scopeProblem(def);
                if (scopeProblem.isPresent()) {
                    throw new SyncException(SyncException.Reason.NAMESPACE_UNAVAILABLE, "namespace '" + def.name() + "' is unavailable: "
                            + scopeProblem.get());
                }
                EntityRef ref = new EntityRef(w.namespace(), w.key());
                CrdtReplica replica = replicaFor(ref, type);
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
                ChangeSet cs = new ChangeSet(e.getKey(), deviceId, seq, now.pack(), depsOf(e.getKey(), stream, out.pending), e.getValue());
                Envelope env = sealer.get().seal(cs, codec.encode(cs));
                byte[] encoded = codec.encode(env);
                if (encoded.length > MAX_CHANGE_SET_BYTES) {
                    // The replicas took the operations already; put the entities back as the log has them.
                    rebuild(new java.util.HashSet<>(touched), out.entries);
                    throw new SyncException(SyncException.Reason.VALUE_TOO_LARGE, "the writes of this transaction to namespace '"
                            + e.getKey() + "' encode to " + encoded.length + " bytes, but a change set may be at most "
                            + MAX_CHANGE_SET_BYTES + " bytes (so that every link can carry it); split the transaction");
                }
                entries.add(new NewEntry(stream, seq, encoded));
                pending.put(stream, seq);
            }
            out.entries.addAll(entries);
            out.pending.putAll(pending);
            out.localCount += entries.size();
            for (EntityRef ref : touched) {
                dirty.add(ref);
                out.changes.add(new EngineListener.EntityChange(ref.namespace(), ref.key(), true, deviceId));
            }
            out.onDurable.add(() -> work.done().complete(null));
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

    // ---------------------------------------------------------------- remote processing

    private void processRemote(RemoteWork work, Outcome out) throws ProtocolException {
        Optional<SyncPolicy> p = policy.get();
        if (p.isEmpty()) {
            throw new ProtocolException(ProtocolException.REFUSED, "this node has no sync policy installed and accepts nothing");
        }
        // Phase 1: validate everything; no replica changes. Refused streams are left out.
        // Streams refused from this peer before: the rest of one of them, sent before the peer
        // knew, is refused with it instead of being a gap that refuses the whole batch.
        Set<String> refusedBefore = refusedFrom.computeIfAbsent(work.peerId(), x -> new java.util.HashSet<>());
        IncomingCheck.Result result;
        try {
            result = incoming.check(work.peerId(), work.entries(), p.get(), out.pending, refusedBefore);
        } catch (BatchRefusedException e) {
            e.refusals().forEach(r -> refusedBefore.add(r.stream()));
            throw e;
        }
        result.refusals().forEach(r -> refusedBefore.add(r.stream()));
        // Counted like refused batches: a catalog change then asks peers again (see Node).
        rejectedRemote.addAndGet(result.refusals().size());
        refusedBefore.removeAll(result.pending().keySet());
        for (Message.Refusal r : result.refusals()) {
            LOG.warn("peer {}: refused stream {} from #{} on (the rest of the batch goes on): [{}] {}", work.peerId(), r.stream(),
                    r.seq(), r.code(), r.message());
        }
        List<IncomingCheck.Checked> checked = result.checked();
        Map<String, Long> pending = result.pending();
        int duplicates = result.duplicates();
        // Phase 2: apply. No snapshots on the way (they cost an encoded state per entity per
        // batch): CrdtReplica.apply/merge are atomic per call, and if one fails, the entities the
        // batch touched are rebuilt from their checkpoint, the log after it and this group's
        // earlier entries — the state before the batch. Failures are rare (a well-signed but
        // undecodable op); the rebuild replays at most Config.checkpointEvery change sets.
        List<EntityRef> touched = new ArrayList<>(checked.size());
        IncomingCheck.Checked current = null;
        try {
            for (IncomingCheck.Checked c : checked) {
                current = c;
                boolean ops = c.changeSet() != null;
                for (ChangeSet.Op op : c.items()) {
                    EntityRef ref = new EntityRef(c.namespace(), op.key());
                    touched.add(ref);
                    CrdtReplica replica = replicaFor(ref, c.type());
                    if (ops) {
                        replica.apply(op.op());
                    } else {
                        replica.merge(op.op());
                    }
                }
            }
        } catch (CrdtDecodeException e) {
            rebuild(new java.util.HashSet<>(touched), out.entries);
            throw new ProtocolException(ProtocolException.INVALID_CHANGE_SET, "change set " + current.stream() + "#" + current.seq()
                    + ": an operation could not be applied: " + e.getMessage());
        } catch (StoreException e) {
            rebuild(new java.util.HashSet<>(touched), out.entries);
            throw new ProtocolException(ProtocolException.UNAVAILABLE, "storage failure: " + e.getMessage());
        } catch (RuntimeException e) {
            rebuild(new java.util.HashSet<>(touched), out.entries);
            throw e;
        }
        int t = 0;
        for (IncomingCheck.Checked c : checked) {
            out.entries.add(new NewEntry(c.stream(), c.seq(), c.raw()));
            for (ChangeSet.Op op : c.items()) {
                EntityRef ref = touched.get(t++);
                out.changes.add(new EngineListener.EntityChange(ref.namespace(), ref.key(), false, c.author()));
            }
        }
        out.pending.putAll(pending);
        out.remoteCount += checked.size();
        dirty.addAll(touched);
        int dups = duplicates;
        int applied = checked.size();
        List<Message.Refusal> refusals = result.refusals();
        out.onDurable.add(() -> work.done().complete(new RemoteResult(applied, dups, Map.copyOf(versions), refusals)));
    }

    /**
     * Puts entities back to their state before the current unit of work: each is dropped from
     * memory and rebuilt from its checkpoint, the durable log after the checkpoint and the entries
     * of this group that precede the unit. An entity none of those touches stays absent.
     */
    private void rebuild(Set<EntityRef> refs, List<NewEntry> groupEntries) {
        if (refs.isEmpty()) {
            return;
        }
        for (EntityRef ref : refs) {
            replicas.remove(ref);
        }
        try {
            long position = store.checkpointPosition();
            long head = store.head();
            while (position < head) {
                List<LogEntry> chunk = store.read(position, 1024, 8L << 20);
                if (chunk.isEmpty()) {
                    break;
                }
                for (LogEntry entry : chunk) {
                    replay(entry.payload(), entry.position(), entry.author(), entry.seq(), refs);
                    position = entry.position() + 1;
                }
            }
            for (NewEntry e : groupEntries) {
                replay(e.payload(), -1, e.author(), e.seq(), refs);
            }
        } catch (StoreException e) {
            // The entities stay dropped from memory; the next read loads their checkpoint. Rebuild
            // everything from the store instead, which is what a store failure does anyway.
            LOG.error("could not rebuild {} entit(ies) after a refused batch: {}; recovering from the store", refs.size(), e.getMessage());
            try {
                recover();
            } catch (StoreException re) {
                LOG.error("recovery from the store failed: {}", re.getMessage());
            }
        }
    }

    // ---------------------------------------------------------------- selective scope (sending side)

    /**
     * What a peer gets for one log entry of a selective namespace: a {@link ScopedEnvelope} for
     * the same stream position, carrying the current state of each entity the entry touches that
     * matches the predicate, sealed and signed by this node. Entities that do not match are left
     * out; an entry with none left is a pure skip. Every entry carries the states of its own
     * entities, even if an earlier entry of the same batch carried them already: the receiver
     * drops entries it holds (duplicates) unread, so a state must never rely on another entry.
     * Safe to call from any thread; waits while the engine applies a group that is not durable yet.
     *
     * @return the encoded scoped envelope
     * @throws StoreException if the entry cannot be read or the result cannot be sealed
     */
    public byte[] scopedEntry(LogEntry entry, NamespaceDefinition def, ScopePredicate predicate) throws StoreException {
        Set<String> alreadySent = new java.util.HashSet<>(); // keys repeated inside this one entry
        String namespace;
        String author;
        long seq;
        long hlc;
        List<String> keys = new ArrayList<>();
        try {
            Object decoded = codec.decodeEntry(entry.payload());
            if (decoded instanceof ScopedEnvelope se) {
                ScopedBody body = codec.decodeScopedBody(sealer.get().openScoped(se));
                namespace = se.namespace();
                author = se.author();
                seq = se.seq();
                hlc = body.hlc();
                body.states().forEach(o -> keys.add(o.key()));
            } else {
                Envelope env = (Envelope) decoded;
                ChangeSet cs = codec.decodeChangeSet(sealer.get().open(env));
                namespace = env.namespace();
                author = env.author();
                seq = env.seq();
                hlc = cs.hlc();
                cs.ops().forEach(o -> keys.add(o.key()));
            }
        } catch (InvalidChangeSetException | SealException e) {
            throw new StoreException("log entry " + entry.author() + "#" + entry.seq() + " cannot be read: " + e.getMessage(), e);
        }
        CrdtType type = types.apply(def.crdtType()).orElseThrow(() -> new StoreException("namespace '" + def.name()
                + "' needs CRDT type '" + def.crdtType() + "', which is not installed"));
        long changeMillis = HlcTimestamp.unpack(hlc).wallMillis();
        long now = clock.now().wallMillis();
        List<ChangeSet.Op> states = new ArrayList<>();
        long readAt;
        durableLock.readLock().lock();
        replicaLock.lock();
        try {
            readAt = clock.last().pack();
            for (String key : keys) {
                if (alreadySent.contains(key)) {
                    continue;
                }
                EntityRef ref = new EntityRef(namespace, key);
                CrdtReplica r = replicas.containsKey(ref) ? replicas.get(ref) : load(ref, type);
                if (predicate.test(r.value(), changeMillis, now)) {
                    states.add(new ChangeSet.Op(key, def.crdtType(), r.encodeState()));
                    alreadySent.add(key);
                }
            }
        } finally {
            replicaLock.unlock();
            durableLock.readLock().unlock();
        }
        try {
            return codec.encode(sealer.get().sealScoped(namespace, author, seq, deviceId, predicate.canonical(),
                    codec.encode(new ScopedBody(hlc, readAt, states))));
        } catch (SealException e) {
            throw new StoreException("cannot seal the scoped entry for " + Streams.id(namespace, author) + "#" + seq + ": " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- replicas

    private CrdtType requireType(NamespaceDefinition def) {
        return types.apply(def.crdtType()).orElseThrow(() -> new SyncException(SyncException.Reason.NAMESPACE_UNAVAILABLE,
                "namespace '" + def.name() + "' is unavailable: its CRDT type '" + def.crdtType() + "' is not installed"));
    }

    private ReplicaContext context() {
        return new ReplicaContext(deviceId, types);
    }

    private CrdtReplica replicaFor(EntityRef ref, CrdtType type) throws StoreException {
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

    /** Encoded states of replicas taken on first touch, to undo a failed transaction or batch. */
    private final class Snapshots {
        private final boolean enabled;
        private final Map<EntityRef, Optional<byte[]>> saved = new LinkedHashMap<>();
        private final Map<EntityRef, CrdtType> savedTypes = new HashMap<>();

        Snapshots(boolean enabled) {
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

    // ---------------------------------------------------------------- recovery and checkpoints

    private void recover() throws StoreException {
        replicaLock.lock();
        try {
            replicas.clear();
            dirty.clear();
            versions.clear();
            versions.putAll(store.authorSeqs());
            long position = store.checkpointPosition();
            long head = store.head();
            long replayed = 0;
            while (position < head) {
                List<LogEntry> chunk = store.read(position, 1024, 8L << 20);
                if (chunk.isEmpty()) {
                    break;
                }
                for (LogEntry entry : chunk) {
                    replay(entry);
                    replayed++;
                    position = entry.position() + 1;
                }
            }
            sinceCheckpoint = replayed;
            if (replayed > 0) {
                LOG.info("recovered {}: replayed {} change set(s) after the checkpoint", store.location(), replayed);
            }
        } finally {
            replicaLock.unlock();
        }
    }

    private void replay(LogEntry entry) throws StoreException {
        replay(entry.payload(), entry.position(), entry.author(), entry.seq(), null);
    }

    /** Applies a logged entry to the replicas; with {@code only}, to those entities only. */
    private void replay(byte[] payload, long position, String stream, long seq, Set<EntityRef> only) throws StoreException {
        try {
            Object decoded = codec.decodeEntry(payload);
            String namespace;
            List<ChangeSet.Op> items;
            boolean merge = decoded instanceof ScopedEnvelope;
            if (decoded instanceof ScopedEnvelope se) {
                namespace = se.namespace();
                items = codec.decodeScopedBody(sealer.get().openScoped(se)).states();
            } else {
                ChangeSet cs = codec.decodeChangeSet(sealer.get().open((Envelope) decoded));
                namespace = cs.namespace();
                items = cs.ops();
            }
            for (ChangeSet.Op op : items) {
                EntityRef ref = new EntityRef(namespace, op.key());
                if (only != null && !only.contains(ref)) {
                    continue;
                }
                Optional<CrdtType> type = types.apply(op.type());
                if (type.isEmpty()) {
                    LOG.warn("cannot replay {}#{} on {}: CRDT type '{}' is not installed", stream, seq, op.key(), op.type());
                    continue;
                }
                CrdtReplica r = replicas.containsKey(ref) ? replicas.get(ref) : load(ref, type.get());
                if (merge) {
                    r.merge(op.op());
                } else {
                    r.apply(op.op());
                }
                dirty.add(ref);
            }
        } catch (InvalidChangeSetException | SealException | CrdtDecodeException e) {
            LOG.error("log entry {} ({}#{}) cannot be replayed: {}", position, stream, seq, e.getMessage());
        }
    }

    /**
     * Saves every changed replica with the log position it includes, synchronously (on stop). Waits
     * for a checkpoint the engine is writing in the background first, so positions only grow.
     */
    public void checkpoint() throws StoreException {
        awaitBackgroundCheckpoint();
        replicaLock.lock();
        try {
            Pending p = encodeDirty();
            if (p == null) {
                return;
            }
            try {
                store.checkpoint(p.states(), p.position());
            } catch (StoreException | RuntimeException e) {
                dirty.addAll(p.states().keySet());
                throw e;
            }
        } finally {
            replicaLock.unlock();
        }
    }

    private record Pending(Map<EntityRef, byte[]> states, long position) {
    }

    /** Encodes the changed replicas and marks them clean; the caller must save them. Under the lock. */
    private Pending encodeDirty() {
        for (EntityRef ref; (ref = unsaved.poll()) != null;) {
            dirty.add(ref);
        }
        if (dirty.isEmpty()) {
            return null;
        }
        Map<EntityRef, byte[]> states = new HashMap<>();
        for (EntityRef ref : dirty) {
            CrdtReplica r = replicas.get(ref);
            if (r != null) {
                states.put(ref, r.encodeState());
            }
        }
        dirty.clear();
        sinceCheckpoint = 0;
        return new Pending(states, store.head());
    }

    /**
     * The periodic checkpoint, from the engine thread: the states are encoded here (replicas are
     * confined to this thread), the store writes them on the checkpoint thread, so the engine goes
     * on applying meanwhile. Every state it encodes is durable in the log already, and a replay on
     * top of a newer checkpoint is harmless (operations are idempotent), so readers that load a
     * checkpoint while one is being written stay correct. If the write fails, the entities are
     * marked changed again and go into the next checkpoint. While one write is under way, no other
     * starts (the next group tries again).
     */
    private void checkpointInBackground() {
        CompletableFuture<Void> running = backgroundCheckpoint;
        if (running != null && !running.isDone()) {
            return;
        }
        Pending p;
        replicaLock.lock();
        try {
            p = encodeDirty();
        } finally {
            replicaLock.unlock();
        }
        if (p == null) {
            return;
        }
        backgroundCheckpoint = CompletableFuture.runAsync(() -> {
            try {
                store.checkpoint(p.states(), p.position());
            } catch (StoreException | RuntimeException e) {
                LOG.warn("checkpoint failed (the log replays on next start; retried with the next one): {}", e.getMessage());
                unsaved.addAll(p.states().keySet());
            }
        }, checkpointer);
    }

    private void awaitBackgroundCheckpoint() {
        CompletableFuture<Void> running = backgroundCheckpoint;
        if (running != null) {
            try {
                running.get(config.writeTimeoutMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                LOG.warn("background checkpoint did not finish: {}", e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static String shortId(String id) {
        return id.length() <= 12 ? id : id.substring(0, 12);
    }
}

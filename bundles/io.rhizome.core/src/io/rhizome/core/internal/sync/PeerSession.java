package io.rhizome.core.internal.sync;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.core.internal.engine.ScopePredicate;
import io.rhizome.core.internal.engine.Streams;
import io.rhizome.core.internal.engine.SyncEngine;
import io.rhizome.core.internal.protocol.Message;
import io.rhizome.core.internal.protocol.MessageCodec;
import io.rhizome.core.internal.protocol.ProtocolException;
import io.rhizome.spi.namespace.NamespaceDefinition;
import io.rhizome.spi.namespace.SyncScope;
import io.rhizome.spi.policy.SyncPolicy;
import io.rhizome.spi.store.LogEntry;
import io.rhizome.spi.store.StoreException;
import io.rhizome.spi.transport.MessageReceiver;
import io.rhizome.spi.transport.PeerLink;

/**
 * The sync protocol over one link to one peer. Everything a session does runs serially on its
 * own {@link SerialExecutor}: incoming messages, and the pump that sends what the peer lacks.
 *
 * <p>Sending: the pump scans the local log from a cursor, keeps the entries the peer lacks and may
 * receive (policy, subscription, scope), and sends them in bounded batches, at most
 * {@link #WINDOW} unacknowledged at a time. Each ack advances the peer's cursor (persisted), so a
 * sync interrupted mid-way resumes from the last ack. Once the scan reaches the head of the log,
 * the session keeps sending new entries as they are appended (live).
 */
public final class PeerSession implements MessageReceiver {

    private static final Logger LOG = LoggerFactory.getLogger(PeerSession.class);
    static final int WINDOW = 8;
    static final int MAX_BATCH_COUNT = 1000;
    static final long MAX_BATCH_BYTES = 1L << 20;
    static final int MAX_ERRORS = 32;
    static final int PERSIST_EVERY_ACKS = 16;

    /** What a session needs from the node. */
    interface Host {
        SyncEngine engine();

        MessageCodec codec();

        Optional<SyncPolicy> policy();

        PeerBook peers();

        void opened(PeerSession session);

        void closed(PeerSession session, Optional<Throwable> cause);

        void syncCompleted(PeerSession session);

        void error(PeerSession session, String code, String message);
    }

    private enum State { AWAIT_HELLO, AWAIT_HELLO_ACK, OPEN, CLOSED }

    private record InFlight(long batchId, long endCursor, Set<String> streams, boolean finalBatch) {
    }

    private final PeerLink link;
    private final boolean initiator;
    private final Host host;
    private final SerialExecutor serial;
    private final AtomicLong batchIds = new AtomicLong();
    /**
     * Batches up to this id were in flight when the peer asked again (SyncRequest) and are
     * forgotten: their acks may still arrive and are ignored, not a protocol error.
     */
    private long forgottenUpTo;
    private final AtomicLong batchesSent = new AtomicLong();
    /** Acks since the peer record was last persisted: it is written every {@link #PERSIST_EVERY_ACKS}. */
    private int acksSincePersist;
    private final String peerId;

    private State state;
    private boolean requested;
    private boolean catchingUp;
    private long scanCursor;
    private final Map<String, Long> peerKnown = new HashMap<>();
    private final ArrayDeque<InFlight> inflight = new ArrayDeque<>();
    private final Set<String> refusedStreams = new HashSet<>();
    private List<String> subscription = List.of();
    private int errors;
    private volatile boolean syncing;
    private volatile String remoteAgent = "";

    PeerSession(PeerLink link, boolean initiator, Host host, Executor workers) {
        this.link = link;
        this.initiator = initiator;
        this.host = host;
        this.serial = new SerialExecutor(workers);
        this.peerId = link.remotePeerId();
        this.state = initiator ? State.AWAIT_HELLO_ACK : State.AWAIT_HELLO;
    }

    public String peerId() {
        return peerId;
    }

    public PeerLink link() {
        return link;
    }

    public boolean isOpen() {
        return state == State.OPEN;
    }

    /** Whether batches are in flight or a catch-up is under way. */
    public boolean isSyncing() {
        return syncing;
    }

    /** Event batches sent on this session so far (diagnostics and tests). */
    public long batchesSent() {
        return batchesSent.get();
    }

    public String remoteAgent() {
        return remoteAgent;
    }

    void start() {
        link.receiver(this);
        if (initiator) {
            serial.execute(() -> send(new Message.Hello(Message.PROTOCOL_VERSION, host.engine().deviceId(), offered(), agent())));
        }
    }

    /** New entries were appended to the log: send what the peer lacks. */
    void wake() {
        serial.execute(this::pump);
    }

    /** Ask the peer again for everything this node lacks. */
    void requestSync() {
        serial.execute(() -> {
            if (state == State.OPEN) {
                LOG.debug("peer {}: asking again for what this node lacks", peerId);
                send(new Message.SyncRequest(host.engine().versions()));
            }
        });
    }

    void close(String why) {
        serial.execute(() -> closeNow(why));
    }

    // ------------------------------------------------------------------ receiving

    @Override
    public void message(PeerLink l, byte[] bytes) {
        serial.execute(() -> handle(bytes));
    }

    @Override
    public void closed(PeerLink l, Optional<Throwable> cause) {
        serial.execute(() -> {
            if (state != State.CLOSED) {
                state = State.CLOSED;
                persistPeer();
                host.closed(this, cause);
            }
        });
    }

    private void handle(byte[] bytes) {
        if (state == State.CLOSED) {
            return;
        }
        Message m;
        try {
            m = host.codec().decode(bytes);
        } catch (ProtocolException e) {
            fatal(e.code(), e.getMessage());
            return;
        }
        touch();
        try {
            switch (state) {
                case AWAIT_HELLO -> onHello(m);
                case AWAIT_HELLO_ACK -> onHelloAck(m);
                case OPEN -> onOpenMessage(m);
                default -> {
                }
            }
        } catch (ProtocolException e) {
            fatal(e.code(), e.getMessage());
        }
    }

    private void onHello(Message m) throws ProtocolException {
        if (!(m instanceof Message.Hello h)) {
            throw new ProtocolException(ProtocolException.UNEXPECTED, "expected hello, got " + typeOf(m));
        }
        checkVersionAndIdentity(h.protocolVersion(), h.deviceId());
        remoteAgent = h.agent();
        send(new Message.HelloAck(Message.PROTOCOL_VERSION, host.engine().deviceId(), offered(), agent()));
        open();
    }

    private void onHelloAck(Message m) throws ProtocolException {
        if (m instanceof Message.Error e) {
            onError(e);
            return;
        }
        if (!(m instanceof Message.HelloAck h)) {
            throw new ProtocolException(ProtocolException.UNEXPECTED, "expected hello-ack, got " + typeOf(m));
        }
        checkVersionAndIdentity(h.protocolVersion(), h.deviceId());
        remoteAgent = h.agent();
        open();
    }

    private void checkVersionAndIdentity(String version, String deviceId) throws ProtocolException {
        if (!majorOf(version).equals(majorOf(Message.PROTOCOL_VERSION))) {
            throw new ProtocolException(ProtocolException.VERSION, "protocol version mismatch: this node speaks " + Message.PROTOCOL_VERSION
                    + ", the peer speaks " + version);
        }
        if (!deviceId.equals(peerId)) {
            throw new ProtocolException(ProtocolException.REFUSED, "the peer says it is " + deviceId + " but the transport authenticated "
                    + peerId);
        }
    }

    private static String majorOf(String version) {
        int dot = version.indexOf('.');
        return dot < 0 ? version : version.substring(0, dot);
    }

    private void open() {
        state = State.OPEN;
        host.opened(this);
        send(new Message.Subscribe(List.of()));
        send(new Message.SyncRequest(host.engine().versions()));
    }

    private void onOpenMessage(Message m) throws ProtocolException {
        if (m instanceof Message.SyncRequest r) {
            LOG.debug("peer {}: sync requested; {} batch(es) in flight are forgotten", peerId, inflight.size());
            // What the peer holds is what it says now: entries of forgotten batches it may have
            // refused must not count as known, or they would never be sent again on this link.
            peerKnown.clear();
            mergeKnown(r.versions());
            send(new Message.SyncState(host.engine().versions()));
            requested = true;
            catchingUp = true;
            scanCursor = resumeCursor(r.versions());
            forgottenUpTo = batchIds.get();
            inflight.clear();
            refusedStreams.clear();
            pump();
        } else if (m instanceof Message.SyncState s) {
            mergeKnown(s.versions());
        } else if (m instanceof Message.EventBatch b) {
            onBatch(b);
        } else if (m instanceof Message.EventAck a) {
            onAck(a);
        } else if (m instanceof Message.EventNotify n) {
            Map<String, Long> mine = host.engine().versions();
            boolean behind = n.versions().entrySet().stream().anyMatch(e -> mine.getOrDefault(e.getKey(), 0L) < e.getValue());
            if (behind) {
                send(new Message.SyncRequest(mine));
            }
        } else if (m instanceof Message.Subscribe s) {
            subscription = s.namespaces();
        } else if (m instanceof Message.Error e) {
            onError(e);
        } else {
            throw new ProtocolException(ProtocolException.UNEXPECTED, "unexpected " + typeOf(m) + " after the handshake");
        }
    }

    /**
     * Hands the batch to the engine without waiting, so the session decodes (and decrypts) the
     * next batch while the engine applies this one. The engine applies batches in hand-over order
     * and completes them in that order; the outcomes come back to this session's serial executor
     * in that order too, so acks and errors go out in batch order.
     */
    private void onBatch(Message.EventBatch b) {
        host.engine().applyRemoteAsync(peerId, b.changeSets())
                .whenComplete((r, failure) -> serial.execute(() -> batchDone(b, r, failure)));
    }

    private void batchDone(Message.EventBatch b, SyncEngine.RemoteResult r, Throwable failure) {
        if (state == State.CLOSED) {
            return;
        }
        if (failure == null) {
            send(new Message.EventAck(b.batchId(), r.versions()));
            if (b.finalBatch()) {
                host.syncCompleted(this);
            }
            return;
        }
        ProtocolException e = SyncEngine.asProtocolException(failure);
        errors++;
        LOG.warn("peer {}: refused batch {} ({} change sets): [{}] {}", peerId, b.batchId(), b.changeSets().size(), e.code(), e.getMessage());
        host.error(this, e.code(), e.getMessage());
        send(new Message.Error(e.code(), e.getMessage(), b.batchId(), false));
        if (errors > MAX_ERRORS) {
            fatal(ProtocolException.REFUSED, "too many refused batches (" + errors + ")");
        }
    }

    private void onAck(Message.EventAck a) throws ProtocolException {
        InFlight f = inflight.peekFirst();
        if (a.batchId() <= forgottenUpTo && (f == null || f.batchId() != a.batchId())) {
            mergeKnown(a.versions());
            return;
        }
        if (f == null || f.batchId() != a.batchId()) {
            throw new ProtocolException(ProtocolException.UNEXPECTED, "ack for batch " + a.batchId() + " that is not the oldest in flight");
        }
        inflight.removeFirst();
        mergeKnown(a.versions());
        if (refusedStreams.isEmpty()) {
            PeerRecord r = host.peers().getOrFresh(peerId);
            host.peers().put(new PeerRecord(peerId, mergedMax(r.acked(), a.versions()), Math.max(r.cursor(), f.endCursor()),
                    System.currentTimeMillis(), r.addresses()));
            if (++acksSincePersist >= PERSIST_EVERY_ACKS || f.finalBatch() || inflight.isEmpty()) {
                acksSincePersist = 0;
                persistPeer();
            }
        }
        if (f.finalBatch()) {
            host.syncCompleted(this);
        }
        pump();
    }

    private void onError(Message.Error e) {
        errors++;
        LOG.warn("peer {} reports [{}] {}{}", peerId, e.code(), e.message(), e.batchId() >= 0 ? " (batch " + e.batchId() + ")" : "");
        host.error(this, e.code(), e.message());
        if (e.batchId() >= 0) {
            InFlight f = inflight.peekFirst();
            if (f != null && f.batchId() == e.batchId()) {
                inflight.removeFirst();
                refusedStreams.addAll(f.streams());
                for (String s : f.streams()) {
                    peerKnown.remove(s);
                }
            }
        }
        if (e.fatal() || errors > MAX_ERRORS) {
            closeNow("peer error: " + e.message());
            return;
        }
        pump();
    }

    // ------------------------------------------------------------------ sending

    private void pump() {
        if (state != State.OPEN || !requested) {
            syncing = !inflight.isEmpty();
            return;
        }
        SyncEngine engine = host.engine();
        long maxBytes = Math.min(MAX_BATCH_BYTES, Math.max(1024, link.maxMessageSize() / 2L));
        Map<String, Boolean> allowed = new HashMap<>();
        Map<String, Optional<Scope>> scopes = new HashMap<>();
        try {
            while (inflight.size() < WINDOW) {
                long head = engine.store().head();
                if (scanCursor >= head) {
                    if (catchingUp) {
                        catchingUp = false;
                        long id = batchIds.incrementAndGet();
                        send(new Message.EventBatch(id, List.of(), true));
                        inflight.addLast(new InFlight(id, scanCursor, Set.of(), true));
                    }
                    break;
                }
                List<LogEntry> entries = engine.store().read(scanCursor, MAX_BATCH_COUNT, maxBytes);
                if (entries.isEmpty()) {
                    break;
                }
                List<byte[]> payloads = new ArrayList<>();
                Set<String> streams = new HashSet<>();
                long bytes = 0;
                long next = entries.get(entries.size() - 1).position() + 1;
                for (LogEntry e : entries) {
                    String stream = e.author();
                    String namespace = Streams.namespace(stream);
                    if (e.seq() <= peerKnown.getOrDefault(stream, 0L) || refusedStreams.contains(stream)
                            || !allowed.computeIfAbsent(namespace, this::mayReceive)) {
                        continue;
                    }
                    byte[] payload = e.payload();
                    Optional<Scope> scope = scopes.computeIfAbsent(namespace, this::selectiveScope);
                    if (scope.isPresent()) {
                        // Selective: the peer gets the matching entities' states (or a skip) for this position.
                        payload = engine.scopedEntry(e, scope.get().def(), scope.get().predicate());
                    }
                    if (payload.length + 64L > link.maxMessageSize()) {
                        LOG.error("peer {}: change set {}#{} ({} bytes) is larger than the link carries; stream held back", peerId, stream,
                                e.seq(), payload.length);
                        refusedStreams.add(stream);
                        continue;
                    }
                    if (!payloads.isEmpty() && bytes + payload.length > maxBytes) {
                        // Scoped entries can be larger than the log entries they stand for: the rest goes in the next batch.
                        next = e.position();
                        break;
                    }
                    payloads.add(payload);
                    streams.add(stream);
                    bytes += payload.length;
                    peerKnown.put(stream, e.seq());
                }
                scanCursor = next;
                if (payloads.isEmpty()) {
                    continue;
                }
                boolean last = catchingUp && scanCursor >= engine.store().head();
                long id = batchIds.incrementAndGet();
                send(new Message.EventBatch(id, payloads, last));
                inflight.addLast(new InFlight(id, scanCursor, streams, last));
                if (last) {
                    catchingUp = false;
                }
                LOG.debug("peer {}: sent batch {} with {} change sets ({} bytes)", peerId, id, payloads.size(), bytes);
            }
        } catch (StoreException e) {
            LOG.error("peer {}: cannot read the log: {}", peerId, e.getMessage());
            host.error(this, ProtocolException.UNAVAILABLE, e.getMessage());
        }
        syncing = !inflight.isEmpty() || catchingUp;
    }

    private record Scope(NamespaceDefinition def, ScopePredicate predicate) {
    }

    /** The predicate of a selective namespace (checked valid by {@link #mayReceive}); empty otherwise. */
    private Optional<Scope> selectiveScope(String namespace) {
        Optional<NamespaceDefinition> def = host.engine().catalog().resolve(namespace);
        try {
            return def.isEmpty() ? Optional.empty()
                    : host.engine().catalog().predicate(def.get()).map(p -> new Scope(def.get(), p));
        } catch (ScopePredicate.InvalidPredicateException e) {
            throw new IllegalStateException("unreachable: mayReceive refuses namespaces with malformed predicates", e);
        }
    }

    private boolean mayReceive(String namespace) {
        if (!subscription.isEmpty() && !subscription.contains(namespace)) {
            return false;
        }
        Optional<NamespaceDefinition> def = host.engine().catalog().resolve(namespace);
        if (def.isEmpty() || def.get().scope().kind() == SyncScope.Kind.LOCAL_ONLY) {
            return false;
        }
        Optional<String> problem = host.engine().catalog().scopeProblem(def.get());
        if (problem.isEmpty() && def.get().scope().kind() == SyncScope.Kind.SELECTIVE && host.engine().type(def.get().crdtType()).isEmpty()) {
            problem = Optional.of("its CRDT type '" + def.get().crdtType() + "' is not installed, so its selective predicate cannot be evaluated");
        }
        if (problem.isPresent()) {
            LOG.warn("peer {}: not sending namespace '{}': {}", peerId, namespace, problem.get());
            return false;
        }
        Optional<SyncPolicy> policy = host.policy();
        if (policy.isEmpty()) {
            return false;
        }
        SyncPolicy.Decision d = policy.get().canSend(peerId, namespace);
        if (!d.allowed()) {
            policy.get().audit(peerId, namespace, d);
            LOG.info("peer {}: not sending namespace '{}': {}", peerId, namespace, d.reason());
        }
        return d.allowed();
    }

    /** Where to start scanning: the persisted cursor, unless the peer has lost what it acked. */
    private long resumeCursor(Map<String, Long> peerVersions) {
        PeerRecord r = host.peers().getOrFresh(peerId);
        for (Map.Entry<String, Long> e : r.acked().entrySet()) {
            if (peerVersions.getOrDefault(e.getKey(), 0L) < e.getValue()) {
                LOG.info("peer {} has less than it acknowledged before ({}: {} < {}); sending from the start", peerId, e.getKey(),
                        peerVersions.getOrDefault(e.getKey(), 0L), e.getValue());
                return 0;
            }
        }
        return r.cursor();
    }

    private void mergeKnown(Map<String, Long> versions) {
        versions.forEach((k, v) -> peerKnown.merge(k, v, Math::max));
    }

    private static Map<String, Long> mergedMax(Map<String, Long> a, Map<String, Long> b) {
        Map<String, Long> m = new HashMap<>(a);
        b.forEach((k, v) -> m.merge(k, v, Math::max));
        return m;
    }

    private void send(Message m) {
        if (state == State.CLOSED) {
            return;
        }
        if (m instanceof Message.EventBatch) {
            batchesSent.incrementAndGet();
        }
        byte[] bytes = host.codec().encode(m);
        link.send(bytes).whenComplete((ok, failure) -> {
            if (failure != null) {
                LOG.debug("peer {}: send failed: {}", peerId, failure.getMessage());
            }
        });
    }

    private void fatal(String code, String message) {
        LOG.warn("peer {}: closing the link: [{}] {}", peerId, code, message);
        host.error(this, code, message);
        send(new Message.Error(code, message, -1, true));
        closeNow(message);
    }

    private void closeNow(String why) {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        persistPeer();
        link.close();
        host.closed(this, Optional.of(new IllegalStateException(why)));
    }

    private void touch() {
        PeerRecord r = host.peers().getOrFresh(peerId);
        host.peers().put(new PeerRecord(peerId, r.acked(), r.cursor(), System.currentTimeMillis(), r.addresses()));
    }

    private void persistPeer() {
        host.peers().persist(peerId);
    }

    private List<String> offered() {
        List<String> names = new ArrayList<>();
        for (NamespaceDefinition d : host.engine().catalog().declared()) {
            if (d.scope().kind() != SyncScope.Kind.LOCAL_ONLY) {
                names.add(d.name());
            }
        }
        return names;
    }

    private static String agent() {
        return "rhizome/0.1.0";
    }

    private static String typeOf(Message m) {
        return m.getClass().getSimpleName();
    }
}

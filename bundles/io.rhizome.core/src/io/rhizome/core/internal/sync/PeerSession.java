package io.rhizome.core.internal.sync;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.core.internal.engine.BatchRefusedException;
import io.rhizome.core.internal.engine.Inbox;
import io.rhizome.core.internal.engine.Outbox;
import io.rhizome.core.internal.engine.SyncEngine;
import io.rhizome.core.internal.protocol.Message;
import io.rhizome.core.internal.protocol.MessageCodec;
import io.rhizome.core.internal.protocol.ProtocolException;
import io.rhizome.spi.policy.SyncPolicy;
import io.rhizome.spi.store.StoreException;
import io.rhizome.spi.transport.MessageReceiver;
import io.rhizome.spi.transport.PeerLink;

/**
 * The sync protocol over one link to one peer. Everything a session does runs serially on its
 * own {@link SerialExecutor}: incoming messages, and the pump that sends what the peer lacks.
 *
 * <p>Sending: the pump takes what the peer lacks and may receive from the engine's {@link Outbox}
 * and sends it in bounded batches, at most {@link #WINDOW} unacknowledged at a time. Receiving:
 * batches go to the engine's {@link Inbox}; its answer goes back as the ack (or error). Each ack advances the peer's cursor (persisted), so a
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

        /** The streams held back between this node and the peer (one object per peer, across sessions). */
        HeldStreams held(String peerId);

        /** What peers say about their clocks. */
        ClockWatch clockWatch();

        /** This node's wall clock (the one its timestamps come from), sent to peers. */
        long wallMillis();

        /** An exchange with the peer completed (a batch acknowledged or applied). */
        void exchanged(PeerSession session);

        /** A stream started or stopped being held back ({@code reason} empty: it flows again). */
        void heldBack(PeerSession session, String direction, String stream, Optional<String> reason);
    }

    private enum State { AWAIT_HELLO, AWAIT_HELLO_ACK, OPEN, CLOSED }

    /** A batch sent and not yet answered; {@code firsts}: each stream's first entry in it. */
    private record InFlight(long batchId, long endCursor, Map<String, Outbox.First> firsts, boolean finalBatch) {
    }

    private final PeerLink link;
    private final boolean initiator;
    private final Host host;
    private final SerialExecutor serial;
    private final AtomicLong batchIds = new AtomicLong();
    private final AtomicLong batchesSent = new AtomicLong();
    /** Acks since the peer record was last persisted: it is written every {@link #PERSIST_EVERY_ACKS}. */
    private int acksSincePersist;
    private final String peerId;

    private State state;
    private boolean requested;
    private boolean catchingUp;
    /** What the peer lacks, from the cursor on; also what it holds as far as this session knows. */
    private final Outbox outbox;
    private final ArrayDeque<InFlight> inflight = new ArrayDeque<>();
    private final HeldStreams held;
    private List<String> subscription = List.of();
    private int errors;
    private volatile boolean syncing;
    private volatile String remoteAgent = "";
    /** Set by {@link #close} at once, before the close runs in turn: nothing more is sent from then on. */
    private volatile boolean closing;

    PeerSession(PeerLink link, boolean initiator, Host host, Executor workers) {
        this.link = link;
        this.initiator = initiator;
        this.host = host;
        this.serial = new SerialExecutor(workers);
        this.peerId = link.remotePeerId();
        this.held = host.held(peerId);
        this.state = initiator ? State.AWAIT_HELLO_ACK : State.AWAIT_HELLO;
        this.outbox = host.engine().outbox(peerId, this::wake);
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

    /** What the peer holds as far as this session knows: a snapshot, safe from any thread. */
    public Map<String, Long> known() {
        return outbox.known();
    }

    public String remoteAgent() {
        return remoteAgent;
    }

    void start() {
        link.receiver(this);
        if (initiator) {
            serial.execute(() -> send(new Message.Hello(Message.PROTOCOL_VERSION, host.engine().deviceId(), host.engine().catalog().offered(), agent(),
                    host.wallMillis())));
        }
    }

    /** New entries were appended to the log: send what the peer lacks. */
    void wake() {
        serial.execute(this::pump);
    }

    /** Sends again the held-back streams whose retry time has come. */
    void retryHeld() {
        serial.execute(() -> {
            if (state == State.OPEN && requested) {
                held.due(false).ifPresent(this::rescanFrom);
            }
        });
    }

    private void rescanFrom(long position) {
        outbox.rewind(position);
        pump();
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
        closing = true;
        outbox.close();
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
                outbox.close();
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
        host.clockWatch().observe(peerId, h.wallMillis());
        send(new Message.HelloAck(Message.PROTOCOL_VERSION, host.engine().deviceId(), host.engine().catalog().offered(), agent(), host.wallMillis()));
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
        host.clockWatch().observe(peerId, h.wallMillis());
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
            LOG.debug("peer {}: sync requested ({} batch(es) in flight)", peerId, inflight.size());
            // What the peer holds is what it says now (entries still in flight may be sent twice;
            // the peer takes duplicates as such).
            outbox.restart(resumeCursor(r.versions()), r.versions());
            send(new Message.SyncState(host.engine().versions()));
            requested = true;
            catchingUp = true;
            // The peer asks again (it connected, or something changed there): held-back streams
            // are tried again now. Batches still in flight stay in the window: their answers come.
            held.due(true);
            pump();
        } else if (m instanceof Message.SyncState s) {
            outbox.peerHas(s.versions());
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
        host.engine().inbox().offer(peerId, b.changeSets())
                .whenComplete((r, failure) -> serial.execute(() -> batchDone(b, r, failure)));
    }

    private void batchDone(Message.EventBatch b, Inbox.Received r, Throwable failure) {
        if (state == State.CLOSED) {
            return;
        }
        if (failure == null) {
            for (Message.Refusal refusal : r.refusals()) {
                refusedByUs(refusal);
            }
            for (String stream : held.weHold(r.versions())) {
                host.heldBack(this, "incoming", stream, Optional.empty());
            }
            send(new Message.EventAck(b.batchId(), r.versions(), r.refusals(), host.wallMillis()));
            host.exchanged(this);
            if (b.finalBatch()) {
                host.syncCompleted(this);
            }
            return;
        }
        ProtocolException e = Inbox.asProtocolException(failure);
        List<Message.Refusal> refusals = e instanceof BatchRefusedException br ? br.refusals() : List.of();
        if (refusals.isEmpty()) {
            errors++;
            LOG.warn("peer {}: refused batch {} ({} change sets): [{}] {}", peerId, b.batchId(), b.changeSets().size(), e.code(),
                    e.getMessage());
            host.error(this, e.code(), e.getMessage());
        }
        for (Message.Refusal refusal : refusals) {
            refusedByUs(refusal);
        }
        send(new Message.Error(e.code(), e.getMessage(), b.batchId(), false, refusals, host.wallMillis()));
        if (errors > MAX_ERRORS) {
            fatal(ProtocolException.REFUSED, "too many refused batches (" + errors + ")");
        }
    }

    private void refusedByUs(Message.Refusal r) {
        if (held.refusedByUs(r.stream(), r.seq(), r.code(), r.message())) {
            LOG.warn("peer {}: holding back its stream {} from #{}: [{}] {}", peerId, r.stream(), r.seq(), r.code(), r.message());
            host.error(this, r.code(), "incoming " + r.stream() + "#" + r.seq() + " refused: " + r.message());
            host.heldBack(this, "incoming", r.stream(), Optional.of(r.message()));
        }
    }

    private void onAck(Message.EventAck a) throws ProtocolException {
        InFlight f = inflight.peekFirst();
        if (f == null || f.batchId() != a.batchId()) {
            throw new ProtocolException(ProtocolException.UNEXPECTED, "ack for batch " + a.batchId() + " that is not the oldest in flight");
        }
        inflight.removeFirst();
        host.clockWatch().observe(peerId, a.wallMillis());
        for (Message.Refusal r : a.refused()) {
            refusedByPeer(f, r.stream(), r.seq(), r.code(), r.message());
        }
        outbox.acknowledge(a.versions());
        for (String stream : held.peerHolds(a.versions())) {
            host.heldBack(this, "outgoing", stream, Optional.empty());
        }
        PeerRecord r = host.peers().getOrFresh(peerId);
        long cursor = Math.max(r.cursor(), f.endCursor());
        long firstHeld = held.firstHeldPosition().orElse(Long.MAX_VALUE);
        host.peers().put(new PeerRecord(peerId, mergedMax(r.acked(), a.versions()), Math.min(cursor, firstHeld),
                System.currentTimeMillis(), r.addresses(), System.currentTimeMillis()));
        if (++acksSincePersist >= PERSIST_EVERY_ACKS || f.finalBatch() || inflight.isEmpty()) {
            acksSincePersist = 0;
            persistPeer();
        }
        host.exchanged(this);
        if (f.finalBatch()) {
            host.syncCompleted(this);
        }
        pump();
    }

    /** The peer refused {@code stream} from {@code seq} on: leave it out until its retry, then send from there. */
    private void refusedByPeer(InFlight f, String stream, long seq, String code, String message) {
        Outbox.First first = f == null ? null : f.firsts().get(stream);
        // What was counted as sent did not arrive: the peer holds the stream up to seq - 1 at most.
        outbox.refused(stream, seq);
        if (held.refusedByPeer(stream, seq, code, message, first == null ? -1 : first.position())) {
            LOG.warn("peer {} refuses {} from #{} on (only that stream waits; retried): [{}] {}", peerId, stream, seq, code, message);
            host.error(this, code, "outgoing " + stream + "#" + seq + " refused: " + message);
            host.heldBack(this, "outgoing", stream, Optional.of(message));
        }
    }

    private void onError(Message.Error e) {
        host.clockWatch().observe(peerId, e.wallMillis());
        if (e.batchId() >= 0) {
            InFlight f = inflight.peekFirst();
            if (f != null && f.batchId() == e.batchId()) {
                inflight.removeFirst();
                if (!e.refused().isEmpty()) {
                    for (Message.Refusal r : e.refused()) {
                        refusedByPeer(f, r.stream(), r.seq(), r.code(), r.message());
                    }
                } else {
                    // A peer that refused the batch as a whole: every stream of it waits for the retry.
                    for (Map.Entry<String, Outbox.First> first : f.firsts().entrySet()) {
                        refusedByPeer(f, first.getKey(), first.getValue().seq(), e.code(), e.message());
                    }
                }
            }
        }
        if (e.refused().isEmpty()) {
            errors++;
            LOG.warn("peer {} reports [{}] {}{}", peerId, e.code(), e.message(), e.batchId() >= 0 ? " (batch " + e.batchId() + ")" : "");
            host.error(this, e.code(), e.message());
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
        long maxBytes = Math.min(MAX_BATCH_BYTES, Math.max(1024, link.maxMessageSize() / 2L));
        try {
            while (inflight.size() < WINDOW) {
                Optional<Outbox.Batch> next = outbox.next(subscription, held::blocks, link.maxMessageSize(), maxBytes, MAX_BATCH_COUNT,
                        this::tooLarge);
                if (next.isEmpty()) {
                    if (catchingUp) {
                        catchingUp = false;
                        long id = batchIds.incrementAndGet();
                        send(new Message.EventBatch(id, List.of(), true));
                        inflight.addLast(new InFlight(id, outbox.cursor(), Map.of(), true));
                    }
                    break;
                }
                Outbox.Batch b = next.get();
                boolean last = catchingUp && outbox.atHead();
                long id = batchIds.incrementAndGet();
                send(new Message.EventBatch(id, b.changeSets(), last));
                inflight.addLast(new InFlight(id, b.endCursor(), b.firsts(), last));
                if (last) {
                    catchingUp = false;
                }
                LOG.debug("peer {}: sent batch {} with {} change sets ({} bytes)", peerId, id, b.changeSets().size(), b.bytes());
            }
        } catch (StoreException e) {
            LOG.error("peer {}: cannot read the log: {}", peerId, e.getMessage());
            host.error(this, ProtocolException.UNAVAILABLE, e.getMessage());
        }
        syncing = !inflight.isEmpty() || catchingUp;
    }

    /** A change set the link cannot carry: its stream is held back (it never fits). */
    private void tooLarge(Outbox.TooLarge t) {
        String why = "change set " + t.stream() + "#" + t.seq() + " (" + t.bytes() + " bytes) is larger than the '"
                + link.transportKind() + "' link carries (" + link.maxMessageSize() + " bytes)";
        if (held.refusedByPeer(t.stream(), t.seq(), ProtocolException.TOO_LARGE, why, t.position())) {
            LOG.error("peer {}: {}; stream held back", peerId, why);
            host.error(this, ProtocolException.TOO_LARGE, why);
            host.heldBack(this, "outgoing", t.stream(), Optional.of(why));
        }
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

    private static Map<String, Long> mergedMax(Map<String, Long> a, Map<String, Long> b) {
        Map<String, Long> m = new HashMap<>(a);
        b.forEach((k, v) -> m.merge(k, v, Math::max));
        return m;
    }

    private void send(Message m) {
        if (state == State.CLOSED || closing && !(m instanceof Message.Error)) {
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
        outbox.close();
        persistPeer();
        link.close();
        host.closed(this, Optional.of(new IllegalStateException(why)));
    }

    private void touch() {
        PeerRecord r = host.peers().getOrFresh(peerId);
        host.peers().put(r.withLastSeen(System.currentTimeMillis()));
    }

    private void persistPeer() {
        host.peers().persist(peerId);
    }

    private static String agent() {
        return "rhizome/0.1.0";
    }

    private static String typeOf(Message m) {
        return m.getClass().getSimpleName();
    }
}

package io.rhizome.core.internal.sync;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.core.internal.protocol.Message;
import io.rhizome.core.internal.protocol.ProtocolException;
import io.rhizome.spi.transport.MessageReceiver;
import io.rhizome.spi.transport.PeerLink;

/**
 * The sync protocol over one link to one peer. Everything a session does runs serially on its
 * own {@link SerialExecutor}: incoming messages, and the pump that sends what the peer lacks.
 *
 * <p>Sending is the {@link SessionSender}'s job (what the peer lacks, from the engine's
 * {@code Outbox}). Receiving is the {@link SessionReceiver}'s: batches go to the engine's
 * {@code Inbox}; its answer goes back as the ack (or error). Each ack advances the peer's cursor
 * (persisted), so a sync interrupted mid-way resumes from the last ack. Once the scan reaches the
 * head of the log, the session keeps sending new entries as they are appended (live). The session
 * itself runs the handshake and routes what arrives; {@link LinkTraffic} counts what moves.
 */
public final class PeerSession implements MessageReceiver {

    private static final Logger LOG = LoggerFactory.getLogger(PeerSession.class);
    static final int MAX_ERRORS = 32;

    private enum State { AWAIT_HELLO, AWAIT_HELLO_ACK, OPEN, CLOSED }

    private final PeerLink link;
    private final boolean initiator;
    private final SessionHost host;
    private final SerialExecutor serial;
    private final LinkTraffic traffic = new LinkTraffic();
    private volatile boolean peerStateKnown;
    private final String peerId;

    private State state;
    private final SessionSender sender;
    private final SessionReceiver receiver;
    private final HeldStreams held;
    private int errors;
    private volatile String remoteAgent = "";
    private volatile List<String> remoteFeatures = List.of();
    /** Set by {@link #close} at once, before the close runs in turn: nothing more is sent from then on. */
    private volatile boolean closing;

    PeerSession(PeerLink link, boolean initiator, SessionHost host, Executor workers) {
        this.link = link;
        this.initiator = initiator;
        this.host = host;
        this.serial = new SerialExecutor(workers);
        this.peerId = link.remotePeerId();
        this.held = host.held(peerId);
        this.state = initiator ? State.AWAIT_HELLO_ACK : State.AWAIT_HELLO;
        this.sender = new SessionSender(this, host, link, held, this::wake);
        this.receiver = new SessionReceiver(this, host, held, serial, traffic);
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

    /** Whether the session has ended (on its serial executor; from elsewhere a hint only). */
    boolean isClosed() {
        return state == State.CLOSED;
    }

    /** Whether batches are in flight or a catch-up is under way. */
    public boolean isSyncing() {
        return sender.syncing();
    }

    /** Event batches sent on this session so far (diagnostics and tests). */
    public long batchesSent() {
        return traffic.batchesSent();
    }

    /**
     * The transfer counters of this link and the time left at the recent pace. {@code incoming} is
     * the estimate from what the peer said it holds; once the peer ended its catch-up nothing of that
     * is coming any more (what it keeps from this node its policy decided), so it counts 0.
     */
    io.rhizome.api.SyncProgress progress(long incomingEstimate, long outgoing, long nowMillis) {
        long incoming = receiver.catchUpDone() ? 0 : incomingEstimate;
        return traffic.progress(incoming, outgoing, peerStateKnown, nowMillis);
    }

    /** What the peer holds as far as this session knows: a snapshot, safe from any thread. */
    public Map<String, Long> known() {
        return sender.known();
    }

    public String remoteAgent() {
        return remoteAgent;
    }

    /** Whether the peer announced an optional message kind ({@link Message#FEATURE_PRESENCE}) in its handshake. */
    public boolean supports(String feature) {
        return remoteFeatures.contains(feature);
    }

    /** Sends {@code m} in turn, if the session is open by then (from any thread). */
    void sendWhenOpen(Message m) {
        serial.execute(() -> {
            if (state == State.OPEN) {
                send(m);
            }
        });
    }

    void start() {
        link.receiver(this);
        if (initiator) {
            serial.execute(() -> send(Handshake.hello(host.engine(), host.wallMillis())));
        }
    }

    /** New entries were appended to the log: send what the peer lacks. */
    void wake() {
        // A wake from the engine thread may come before the constructor has finished: nothing to send then.
        serial.execute(() -> {
            if (sender != null) {
                sender.pump();
            }
        });
    }

    /** Sends again the held-back streams whose retry time has come. */
    void retryHeld() {
        serial.execute(() -> {
            if (state == State.OPEN) {
                sender.retryHeld();
            }
        });
    }

    /** Ask the peer again for everything this node lacks. */
    void requestSync() {
        serial.execute(() -> {
            if (state == State.OPEN) {
                LOG.debug("peer {}: asking again for what this node lacks", peerId);
                receiver.catchUpRequested();
                send(new Message.SyncRequest(host.engine().versions()));
            }
        });
    }

    void close(String why) {
        closing = true;
        sender.close();
        serial.execute(() -> closeNow(why));
    }

    // ------------------------------------------------------------------ receiving

    @Override
    public void message(PeerLink l, byte[] bytes) {
        traffic.bytesReceived(bytes.length);
        serial.execute(() -> handle(bytes));
    }

    @Override
    public void closed(PeerLink l, Optional<Throwable> cause) {
        serial.execute(() -> {
            if (state != State.CLOSED) {
                state = State.CLOSED;
                sender.close();
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
        Handshake.check(h.protocolVersion(), h.deviceId(), peerId);
        remoteAgent = h.agent();
        remoteFeatures = h.features();
        host.clockWatch().observe(peerId, h.wallMillis());
        send(Handshake.helloAck(host.engine(), host.wallMillis()));
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
        Handshake.check(h.protocolVersion(), h.deviceId(), peerId);
        remoteAgent = h.agent();
        remoteFeatures = h.features();
        host.clockWatch().observe(peerId, h.wallMillis());
        open();
    }

    private void open() {
        state = State.OPEN;
        host.opened(this);
        send(new Message.Subscribe(List.of()));
        send(new Message.SyncRequest(host.engine().versions()));
    }

    private void onOpenMessage(Message m) throws ProtocolException {
        if (m instanceof Message.SyncRequest r) {
            LOG.debug("peer {}: sync requested ({} batch(es) in flight)", peerId, sender.inFlight());
            sender.restart(r.versions());
            send(new Message.SyncState(host.engine().versions()));
            sender.requested();
        } else if (m instanceof Message.SyncState s) {
            sender.peerHas(s.versions());
            peerStateKnown = true;
        } else if (m instanceof Message.EventBatch b) {
            receiver.offer(b);
        } else if (m instanceof Message.EventAck a) {
            sender.onAck(a);
        } else if (m instanceof Message.EventNotify n) {
            Map<String, Long> mine = host.engine().versions();
            boolean behind = n.versions().entrySet().stream().anyMatch(e -> mine.getOrDefault(e.getKey(), 0L) < e.getValue());
            if (behind) {
                receiver.catchUpRequested();
                send(new Message.SyncRequest(mine));
            }
        } else if (m instanceof Message.Subscribe s) {
            sender.subscribe(s.namespaces());
        } else if (m instanceof Message.Presence p) {
            host.presence(this, p);
        } else if (m instanceof Message.Error e) {
            onError(e);
        } else {
            throw new ProtocolException(ProtocolException.UNEXPECTED, "unexpected " + typeOf(m) + " after the handshake");
        }
    }

    /**
     * This node refused a whole batch and told the peer (no stream named, so nothing is held
     * back): counted with the peer's errors; past {@link #MAX_ERRORS} the link is closed.
     */
    void refusedWholeBatch() {
        errors++;
        if (errors > MAX_ERRORS) {
            fatal(ProtocolException.REFUSED, "too many refused batches (" + errors + ")");
        }
    }

    private void onError(Message.Error e) {
        host.clockWatch().observe(peerId, e.wallMillis());
        sender.onRefused(e);
        if (e.refused().isEmpty()) {
            errors++;
            LOG.warn("peer {} reports [{}] {}{}", peerId, e.code(), e.message(), e.batchId() >= 0 ? " (batch " + e.batchId() + ")" : "");
            host.error(this, e.code(), e.message());
        }
        if (e.fatal() || errors > MAX_ERRORS) {
            closeNow("peer error: " + e.message());
            return;
        }
        sender.pump();
    }

    // ------------------------------------------------------------------ sending

    void send(Message m) {
        if (state == State.CLOSED || closing && !(m instanceof Message.Error)) {
            return;
        }
        if (m instanceof Message.EventBatch b) {
            traffic.batchSent(b.changeSets().size());
        }
        byte[] bytes = host.codec().encode(m);
        traffic.bytesSent(bytes.length);
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
        sender.close();
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

    private static String typeOf(Message m) {
        return m.getClass().getSimpleName();
    }
}

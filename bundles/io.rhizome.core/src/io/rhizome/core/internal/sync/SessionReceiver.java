package io.rhizome.core.internal.sync;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.core.internal.engine.BatchRefusedException;
import io.rhizome.core.internal.engine.Inbox;
import io.rhizome.core.internal.protocol.Message;
import io.rhizome.core.internal.protocol.ProtocolException;

/**
 * The receiving half of a {@link PeerSession}: hands each incoming batch to the engine's
 * {@link Inbox} and answers it, in batch order, with an ack (what is applied, the streams refused)
 * or an error; the peer's streams this node refused are held back until they may flow again. Runs
 * on the session's serial executor, except {@link #catchUpDone} (safe from any thread).
 */
final class SessionReceiver {

    private static final Logger LOG = LoggerFactory.getLogger(SessionReceiver.class);

    private final PeerSession session;
    private final SessionHost host;
    private final String peerId;
    private final HeldStreams held;
    private final Executor serial;
    private final LinkTraffic traffic;
    /** The peer ended the catch-up this node asked for (its final batch arrived): it sends nothing more of what it had. */
    private volatile boolean peerCatchUpDone;

    SessionReceiver(PeerSession session, SessionHost host, HeldStreams held, Executor serial, LinkTraffic traffic) {
        this.session = session;
        this.host = host;
        this.peerId = session.peerId();
        this.held = held;
        this.serial = serial;
        this.traffic = traffic;
    }

    /** Whether the catch-up this node last asked the peer for has ended (its final batch is applied). */
    boolean catchUpDone() {
        return peerCatchUpDone;
    }

    /** This node asks the peer (again) for what it lacks: a catch-up is coming. */
    void catchUpRequested() {
        peerCatchUpDone = false;
    }

    /**
     * Hands the batch to the engine without waiting, so the session decodes (and decrypts) the
     * next batch while the engine applies this one. The engine applies batches in hand-over order
     * and completes them in that order; the outcomes come back to the session's serial executor
     * in that order too, so acks and errors go out in batch order.
     */
    void offer(Message.EventBatch b) {
        traffic.batchReceived(b.changeSets().size());
        host.engine().inbox().offer(peerId, b.changeSets())
                .whenComplete((r, failure) -> serial.execute(() -> batchDone(b, r, failure)));
    }

    private void batchDone(Message.EventBatch b, Inbox.Received r, Throwable failure) {
        if (session.isClosed()) {
            return;
        }
        if (failure == null) {
            for (Message.Refusal refusal : r.refusals()) {
                refusedByUs(refusal);
            }
            for (String stream : held.weHold(r.versions())) {
                host.heldBack(session, "incoming", stream, Optional.empty());
            }
            session.send(new Message.EventAck(b.batchId(), r.versions(), r.refusals(), host.wallMillis()));
            host.exchanged(session);
            if (b.finalBatch()) {
                // applied (batches complete in order): everything the catch-up brought is durable here
                peerCatchUpDone = true;
                host.syncCompleted(session);
            }
            return;
        }
        ProtocolException e = Inbox.asProtocolException(failure);
        List<Message.Refusal> refusals = e instanceof BatchRefusedException br ? br.refusals() : List.of();
        if (refusals.isEmpty()) {
            LOG.warn("peer {}: refused batch {} ({} change sets): [{}] {}", peerId, b.batchId(), b.changeSets().size(), e.code(),
                    e.getMessage());
            host.error(session, e.code(), e.getMessage());
        }
        for (Message.Refusal refusal : refusals) {
            refusedByUs(refusal);
        }
        session.send(new Message.Error(e.code(), e.getMessage(), b.batchId(), false, refusals, host.wallMillis()));
        if (refusals.isEmpty()) {
            session.refusedWholeBatch();
        }
    }

    private void refusedByUs(Message.Refusal r) {
        if (held.refusedByUs(r.stream(), r.seq(), r.code(), r.message())) {
            LOG.warn("peer {}: holding back its stream {} from #{}: [{}] {}", peerId, r.stream(), r.seq(), r.code(), r.message());
            host.error(session, r.code(), "incoming " + r.stream() + "#" + r.seq() + " refused: " + r.message());
            host.heldBack(session, "incoming", r.stream(), Optional.of(r.message()));
        }
    }
}

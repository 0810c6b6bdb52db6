package io.rhizome.core.internal.sync;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.core.internal.engine.Outbox;
import io.rhizome.core.internal.protocol.Message;
import io.rhizome.core.internal.protocol.ProtocolException;
import io.rhizome.spi.store.StoreException;
import io.rhizome.spi.transport.PeerLink;

/**
 * The sending half of a {@link PeerSession}: takes what the peer lacks from the engine's
 * {@link Outbox} and sends it in bounded batches, at most {@link #WINDOW} unacknowledged at a
 * time. Each ack advances the peer's cursor (persisted every {@link #PERSIST_EVERY_ACKS} acks), so
 * a sync interrupted mid-way resumes from the last ack. Once the outbox reaches the head of the
 * log, new entries go out as they are appended (live). Runs on the session's serial executor.
 */
final class SessionSender {

    private static final Logger LOG = LoggerFactory.getLogger(SessionSender.class);
    static final int WINDOW = 8;
    static final int MAX_BATCH_COUNT = 1000;
    static final long MAX_BATCH_BYTES = 1L << 20;
    static final int PERSIST_EVERY_ACKS = 16;

    /** A batch sent and not yet answered; {@code firsts}: each stream's first entry in it. */
    private record InFlight(long batchId, long endCursor, Map<String, Outbox.First> firsts, boolean finalBatch) {
    }

    private final PeerSession session;
    private final SessionHost host;
    private final PeerLink link;
    private final String peerId;
    private final HeldStreams held;
    /** What the peer lacks, from the cursor on; also what it holds as far as this session knows. */
    private final Outbox outbox;
    private final AtomicLong batchIds = new AtomicLong();
    private final ArrayDeque<InFlight> inflight = new ArrayDeque<>();
    private boolean requested;
    private boolean catchingUp;
    /** Acks since the peer record was last persisted. */
    private int acksSincePersist;
    private List<String> subscription = List.of();
    private volatile boolean syncing;

    SessionSender(PeerSession session, SessionHost host, PeerLink link, HeldStreams held, Runnable wake) {
        this.session = session;
        this.host = host;
        this.link = link;
        this.peerId = link.remotePeerId();
        this.held = held;
        this.outbox = host.engine().outbox(peerId, wake);
    }

    /** What the peer holds as far as this session knows: a snapshot, safe from any thread. */
    Map<String, Long> known() {
        return outbox.known();
    }

    /** Whether batches are in flight or a catch-up is under way; safe from any thread. */
    boolean syncing() {
        return syncing;
    }

    int inFlight() {
        return inflight.size();
    }

    void close() {
        outbox.close();
    }

    void subscribe(List<String> namespaces) {
        subscription = namespaces;
    }

    void peerHas(Map<String, Long> versions) {
        outbox.peerHas(versions);
    }

    /**
     * The peer asked for what it lacks, saying what it holds: that is what it holds now (entries
     * still in flight may be sent twice; the peer takes duplicates as such).
     */
    void restart(Map<String, Long> peerVersions) {
        outbox.restart(resumeCursor(peerVersions), peerVersions);
        PeerRecord.Withheld w = host.peers().getOrFresh(peerId).withheld();
        if (w != null) {
            // Withheld before this session (before a restart, say): looked at again if the policy decides otherwise now.
            outbox.resumeWithheld(w.from(), w.under());
        }
    }

    /** Starts sending after {@link #restart}: a catch-up to the head of the log, then live. */
    void requested() {
        requested = true;
        catchingUp = true;
        // The peer asks again (it connected, or something changed there): held-back streams
        // are tried again now. Batches still in flight stay in the window: their answers come.
        held.due(true);
        pump();
    }

    /** Sends again the held-back streams whose retry time has come, and what the policy withheld if it changed since. */
    void retryHeld() {
        if (requested) {
            held.due(false).ifPresent(position -> {
                outbox.rewind(position);
                pump();
            });
            if (outbox.policyChanged()) {
                // A new right (a grant, another policy): what was withheld from the peer is looked at again.
                pump();
            }
        }
    }

    void onAck(Message.EventAck a) throws ProtocolException {
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
            host.heldBack(session, "outgoing", stream, Optional.empty());
        }
        PeerRecord r = host.peers().getOrFresh(peerId);
        long cursor = Math.max(r.cursor(), f.endCursor());
        long firstHeld = held.firstHeldPosition().orElse(Long.MAX_VALUE);
        long withheldFrom = outbox.withheldSince();
        host.peers().put(new PeerRecord(peerId, mergedMax(r.acked(), a.versions()), Math.min(cursor, firstHeld),
                System.currentTimeMillis(), r.addresses(), System.currentTimeMillis(),
                withheldFrom == Long.MAX_VALUE ? null : new PeerRecord.Withheld(withheldFrom, outbox.decisions())));
        if (++acksSincePersist >= PERSIST_EVERY_ACKS || f.finalBatch() || inflight.isEmpty()) {
            acksSincePersist = 0;
            host.peers().persist(peerId);
        }
        host.exchanged(session);
        if (f.finalBatch()) {
            host.syncCompleted(session);
        }
        pump();
    }

    /** The peer refused a batch of ours (an error naming its id): its streams wait for their retry. */
    void onRefused(Message.Error e) {
        InFlight f = inflight.peekFirst();
        if (e.batchId() < 0 || f == null || f.batchId() != e.batchId()) {
            return;
        }
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

    /** The peer refused {@code stream} from {@code seq} on: leave it out until its retry, then send from there. */
    private void refusedByPeer(InFlight f, String stream, long seq, String code, String message) {
        Outbox.First first = f == null ? null : f.firsts().get(stream);
        // What was counted as sent did not arrive: the peer holds the stream up to seq - 1 at most.
        outbox.refused(stream, seq);
        // The error first: whoever sees the stream held back in status sees why in lastError too.
        boolean report = held.isNewRefusal(stream, seq, message);
        if (report) {
            LOG.warn("peer {} refuses {} from #{} on (only that stream waits; retried): [{}] {}", peerId, stream, seq, code, message);
            host.error(session, code, "outgoing " + stream + "#" + seq + " refused: " + message);
        }
        held.refusedByPeer(stream, seq, code, message, first == null ? -1 : first.position());
        if (report) {
            host.heldBack(session, "outgoing", stream, Optional.of(message));
        }
    }

    void pump() {
        if (!session.isOpen() || !requested) {
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
                        session.send(new Message.EventBatch(id, List.of(), true));
                        inflight.addLast(new InFlight(id, outbox.cursor(), Map.of(), true));
                    }
                    break;
                }
                Outbox.Batch b = next.get();
                boolean last = catchingUp && outbox.atHead();
                long id = batchIds.incrementAndGet();
                session.send(new Message.EventBatch(id, b.changeSets(), last));
                inflight.addLast(new InFlight(id, b.endCursor(), b.firsts(), last));
                if (last) {
                    catchingUp = false;
                }
                LOG.debug("peer {}: sent batch {} with {} change sets ({} bytes)", peerId, id, b.changeSets().size(), b.bytes());
            }
        } catch (StoreException e) {
            LOG.error("peer {}: cannot read the log: {}", peerId, e.getMessage());
            host.error(session, ProtocolException.UNAVAILABLE, e.getMessage());
        }
        syncing = !inflight.isEmpty() || catchingUp;
    }

    /** A change set the link cannot carry: its stream is held back (it never fits). */
    private void tooLarge(Outbox.TooLarge t) {
        String why = "change set " + t.stream() + "#" + t.seq() + " (" + t.bytes() + " bytes) is larger than the '"
                + link.transportKind() + "' link carries (" + link.maxMessageSize() + " bytes)";
        if (held.refusedByPeer(t.stream(), t.seq(), ProtocolException.TOO_LARGE, why, t.position())) {
            LOG.error("peer {}: {}; stream held back", peerId, why);
            host.error(session, ProtocolException.TOO_LARGE, why);
            host.heldBack(session, "outgoing", t.stream(), Optional.of(why));
        }
    }

    /** Where to start: the persisted cursor, unless the peer has lost what it acked. */
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
}

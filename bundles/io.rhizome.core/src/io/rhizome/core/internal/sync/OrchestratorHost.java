package io.rhizome.core.internal.sync;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.api.HeldBack;
import io.rhizome.core.internal.engine.SyncEngine;
import io.rhizome.core.internal.protocol.Message;
import io.rhizome.core.internal.protocol.MessageCodec;
import io.rhizome.core.internal.protocol.ProtocolException;
import io.rhizome.spi.policy.SyncPolicy;

/**
 * The node as its sessions see it (the {@link Orchestrator}'s {@link SessionHost}): what they read (engine, codec,
 * policy, peer book, clocks, the streams held back per peer) and where what they report goes: log
 * lines, {@link SyncEvents}, the last error shown in status, a revocation notice closing every
 * session. The {@link Orchestrator} decides which sessions exist; this class only answers them.
 *
 * <p>Thread-safe: sessions call it from their serial executors.
 */
final class OrchestratorHost implements SessionHost {

    private static final Logger LOG = LoggerFactory.getLogger(OrchestratorHost.class);
    /** How long status shows the last error. */
    private static final long RECENT_ERROR_MILLIS = 60_000;

    private final SyncEngine engine;
    private final PeerBook peers;
    private final Supplier<Optional<SyncPolicy>> policy;
    private final MessageCodec codec = new MessageCodec();
    private final ClockWatch clockWatch;
    private final LongSupplier wallClock;
    private final Membership membership;
    private final PresenceChannel presence;
    /** The orchestrator's sessions by peer: a closed session leaves it. */
    private final Map<String, PeerSession> sessions;
    private final Map<String, HeldStreams> held = new ConcurrentHashMap<>();
    private volatile SyncEvents events = SyncEvents.NONE;
    private volatile String lastError;
    private volatile long lastErrorAt;

    OrchestratorHost(SyncEngine engine, PeerBook peers, Supplier<Optional<SyncPolicy>> policy, ClockWatch clockWatch,
            LongSupplier wallClock, Membership membership, PresenceChannel presence, Map<String, PeerSession> sessions) {
        this.engine = engine;
        this.peers = peers;
        this.policy = policy;
        this.clockWatch = clockWatch;
        this.wallClock = wallClock;
        this.membership = membership;
        this.presence = presence;
        this.sessions = sessions;
    }

    void events(SyncEvents events) {
        this.events = events == null ? SyncEvents.NONE : events;
    }

    SyncEvents events() {
        return events;
    }

    /** Remembers {@code message} as the last error, for status. */
    void recordError(String message) {
        lastError = message;
        lastErrorAt = System.currentTimeMillis();
    }

    /** The last error, if it happened within the last minute. */
    Optional<String> recentError() {
        String e = lastError;
        return e != null && System.currentTimeMillis() - lastErrorAt < RECENT_ERROR_MILLIS ? Optional.of(e) : Optional.empty();
    }

    /** The streams held back between this node and {@code peerId} now; empty if none ever were. */
    List<HeldBack> heldSnapshot(String peerId) {
        HeldStreams h = held.get(peerId);
        return h == null ? List.of() : h.snapshot();
    }

    /** Drops what is kept about {@code peerId}'s held-back streams (revocation). */
    void forget(String peerId) {
        held.remove(peerId);
    }

    @Override
    public SyncEngine engine() {
        return engine;
    }

    @Override
    public MessageCodec codec() {
        return codec;
    }

    @Override
    public Optional<SyncPolicy> policy() {
        return policy.get();
    }

    @Override
    public PeerBook peers() {
        return peers;
    }

    @Override
    public void opened(PeerSession session) {
        LOG.info("peer {} connected over '{}' ({})", session.peerId(), session.link().transportKind(), session.remoteAgent());
        events.peerConnected(session.peerId(), session.link().transportKind());
        presence.opened(session);
    }

    @Override
    public void closed(PeerSession session, Optional<Throwable> cause) {
        sessions.remove(session.peerId(), session);
        String reason = cause.map(Throwable::getMessage).orElse("closed");
        LOG.info("peer {} disconnected: {}", session.peerId(), reason);
        events.peerDisconnected(session.peerId(), reason);
    }

    @Override
    public void syncCompleted(PeerSession session) {
        events.syncCompleted(session.peerId());
    }

    @Override
    public void error(PeerSession session, String code, String message) {
        if (ProtocolException.REVOKED.equals(code) && membership.revocationNotice(session.peerId(), Instant.now())) {
            sessions.values().forEach(s -> s.close("this device was revoked from the mesh"));
        }
        recordError("peer " + session.peerId() + ": [" + code + "] " + message);
        events.error(session.peerId(), code, message);
    }

    @Override
    public HeldStreams held(String peerId) {
        return held.computeIfAbsent(peerId, id -> new HeldStreams());
    }

    @Override
    public ClockWatch clockWatch() {
        return clockWatch;
    }

    @Override
    public long wallMillis() {
        return wallClock.getAsLong();
    }

    @Override
    public void exchanged(PeerSession session) {
        long now = System.currentTimeMillis();
        peers.put(peers.getOrFresh(session.peerId()).withLastSync(now));
    }

    @Override
    public void heldBack(PeerSession session, String direction, String stream, Optional<String> reason) {
        if (reason.isEmpty()) {
            LOG.info("peer {}: {} stream {} flows again", session.peerId(), direction, stream);
        }
        events.heldBack(session.peerId(), direction, stream, reason);
    }

    @Override
    public void presence(PeerSession session, Message.Presence p) {
        presence.received(session, p);
    }
}

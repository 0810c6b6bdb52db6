package io.rhizome.core.internal.sync;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.rhizome.api.DevicePresence;
import io.rhizome.api.Presence;
import io.rhizome.api.SyncException;
import io.rhizome.core.internal.protocol.Message;

/**
 * The presence board of one node: its own state and the unexpired states its peers sent, in
 * memory only (nothing here reaches the engine, the store or a backup). A state goes to, and is
 * taken from, only an open session whose peer is trusted (paired) and announced
 * {@link Message#FEATURE_PRESENCE}. Thread-safe.
 */
public final class PresenceChannel implements Presence {

    private static final Logger LOG = LoggerFactory.getLogger(PresenceChannel.class);

    private record Local(JsonNode state, String json, long ttlMillis, long updatedAt) {
    }

    private record Remote(JsonNode state, long receivedAt, long expiresAt) {
    }

    private final String selfId;
    private final LongSupplier clock;
    private final Supplier<Collection<PeerSession>> sessions;
    private final Predicate<String> trusted;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, Remote> remote = new ConcurrentHashMap<>();
    private volatile Local local;
    private volatile long lastBroadcast;

    PresenceChannel(String selfId, LongSupplier clock, Supplier<Collection<PeerSession>> sessions, Predicate<String> trusted) {
        this.selfId = selfId;
        this.clock = clock;
        this.sessions = sessions;
        this.trusted = trusted;
    }

    private boolean allowed(PeerSession s) {
        return s.supports(Message.FEATURE_PRESENCE) && trusted.test(s.peerId());
    }

    private void broadcast(Message.Presence m) {
        for (PeerSession s : sessions.get()) {
            if (s.isOpen() && allowed(s)) {
                s.sendWhenOpen(m);
            }
        }
    }

    /** A session just opened: the peer gets this node's state at once, if it may. */
    void opened(PeerSession s) {
        Local l = local;
        if (l != null && allowed(s)) {
            s.sendWhenOpen(new Message.Presence(l.json(), l.ttlMillis()));
        }
    }

    @Override
    public void publish(JsonNode state, Duration ttl) {
        if (state == null || state.isMissingNode()) {
            throw new SyncException(SyncException.Reason.INVALID_VALUE, "a presence state is a JSON value, not nothing");
        }
        if (ttl == null || ttl.compareTo(MIN_TTL) < 0 || ttl.compareTo(MAX_TTL) > 0) {
            throw new SyncException(SyncException.Reason.INVALID_VALUE,
                    "a presence time to live is " + MIN_TTL.toSeconds() + " s to " + MAX_TTL.toSeconds() + " s, not " + ttl);
        }
        String text;
        try {
            text = json.writeValueAsString(state);
        } catch (JsonProcessingException e) {
            throw new SyncException(SyncException.Reason.INVALID_VALUE, "the presence state cannot be written as JSON: " + e.getOriginalMessage());
        }
        int bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes > MAX_STATE_BYTES) {
            throw new SyncException(SyncException.Reason.VALUE_TOO_LARGE,
                    "a presence state is at most " + MAX_STATE_BYTES + " bytes of JSON, this one is " + bytes + "; keep data in a namespace");
        }
        Local l = new Local(state.deepCopy(), text, ttl.toMillis(), clock.getAsLong());
        local = l;
        send(l);
    }

    @Override
    public void clear() {
        if (local != null) {
            local = null;
            broadcast(new Message.Presence(null, 0));
        }
    }

    @Override
    public List<DevicePresence> devices() {
        long now = clock.getAsLong();
        remote.entrySet().removeIf(e -> e.getValue().expiresAt() <= now);
        List<DevicePresence> list = new ArrayList<>();
        Local l = local;
        if (l != null) {
            list.add(new DevicePresence(selfId, true, l.state().deepCopy(), Instant.ofEpochMilli(l.updatedAt()),
                    Instant.ofEpochMilli(now + l.ttlMillis())));
        }
        remote.entrySet().stream().sorted(Map.Entry.comparingByKey(Comparator.naturalOrder())).forEach(e -> list.add(new DevicePresence(
                e.getKey(), false, e.getValue().state().deepCopy(), Instant.ofEpochMilli(e.getValue().receivedAt()),
                Instant.ofEpochMilli(e.getValue().expiresAt()))));
        return list;
    }

    /** Sends this node's state again once a third of its time to live has passed since the last time. */
    void tick() {
        Local l = local;
        if (l != null && clock.getAsLong() - lastBroadcast >= l.ttlMillis() / 3) {
            send(l);
        }
    }

    private void send(Local l) {
        lastBroadcast = clock.getAsLong();
        broadcast(new Message.Presence(l.json(), l.ttlMillis()));
    }

    /**
     * A state from the session's peer (authenticated by its link). One from an untrusted device is
     * dropped; so is a malformed one, with a log line: presence is advisory, never worth a link.
     */
    void received(PeerSession session, Message.Presence p) {
        String peerId = session.peerId();
        if (!trusted.test(peerId)) {
            LOG.debug("peer {}: dropped its presence state: not a trusted device of this node", peerId);
            return;
        }
        if (p.state() == null) {
            remote.remove(peerId);
            return;
        }
        if (p.state().length() > MAX_STATE_BYTES * 2) {
            LOG.warn("peer {}: dropped a presence state of {} characters (at most {} bytes)", peerId, p.state().length(), MAX_STATE_BYTES);
            return;
        }
        JsonNode state;
        try {
            state = json.readTree(p.state());
        } catch (JsonProcessingException e) {
            LOG.warn("peer {}: dropped a presence state that is not JSON: {}", peerId, e.getOriginalMessage());
            return;
        }
        if (state == null || state.isMissingNode()) {
            return;
        }
        long ttl = Math.max(MIN_TTL.toMillis(), Math.min(MAX_TTL.toMillis(), p.ttlMillis()));
        long now = clock.getAsLong();
        remote.put(peerId, new Remote(state, now, now + ttl));
    }

    /** Forgets a device's state at once (it was revoked). */
    void forget(String peerId) {
        remote.remove(peerId);
    }
}

package io.rhizome.monitor.internal;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The browser sessions of the monitor, in memory only: a daemon restart logs every browser out
 * (as it changes the API key). A session ends when it was idle for {@link #IDLE_MILLIS} or is
 * logged out. Each holds a CSRF token the page must send with every state-changing call.
 */
final class Sessions {

    /** The page polls every second while open; a day without a request means nobody looks. */
    static final long IDLE_MILLIS = 24 * 60 * 60 * 1000L;
    static final int MAX_SESSIONS = 256;

    record Session(String id, String csrf) {
    }

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Map<String, Long> lastUsed = new ConcurrentHashMap<>();
    private final LongSupplier clock;

    Sessions(LongSupplier clock) {
        this.clock = clock;
    }

    synchronized Session open() {
        long now = clock.getAsLong();
        lastUsed.entrySet().removeIf(e -> {
            boolean idle = now - e.getValue() > IDLE_MILLIS;
            if (idle) {
                sessions.remove(e.getKey());
            }
            return idle;
        });
        while (sessions.size() >= MAX_SESSIONS) {
            lastUsed.entrySet().stream().min(Map.Entry.comparingByValue()).ifPresent(e -> close(e.getKey()));
        }
        Session s = new Session(Secrets.random(), Secrets.random());
        sessions.put(s.id(), s);
        lastUsed.put(s.id(), now);
        return s;
    }

    /** The live session with this id (and it counts as used now). */
    Optional<Session> find(String id) {
        if (id == null) {
            return Optional.empty();
        }
        Session s = sessions.get(id);
        if (s == null) {
            return Optional.empty();
        }
        long now = clock.getAsLong();
        Long last = lastUsed.get(id);
        if (last == null || now - last > IDLE_MILLIS) {
            close(id);
            return Optional.empty();
        }
        lastUsed.put(id, now);
        return Optional.of(s);
    }

    void close(String id) {
        sessions.remove(id);
        lastUsed.remove(id);
    }
}

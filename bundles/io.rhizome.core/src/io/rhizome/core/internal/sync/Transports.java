package io.rhizome.core.internal.sync;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.transport.Transport;
import io.rhizome.spi.transport.TransportListener;

/**
 * The transports a node has, each started or not: they come and go at run time (DS), all are used
 * at once, and pausing sync stops them without forgetting them. Thread-safe.
 */
final class Transports {

    private static final Logger LOG = LoggerFactory.getLogger(Transports.class);

    private final Map<Transport, Boolean> started = new ConcurrentHashMap<>();
    private final Function<Transport, TransportListener> listeners;
    private final Consumer<String> failures;

    /**
     * @param listeners the listener a transport reports links and discoveries to
     * @param failures  told (with a sentence) when a transport cannot start
     */
    Transports(Function<Transport, TransportListener> listeners, Consumer<String> failures) {
        this.listeners = listeners;
        this.failures = failures;
    }

    /** Adds a transport, starting it unless {@code paused}. */
    void add(Transport transport, boolean paused) {
        started.put(transport, Boolean.FALSE);
        if (!paused) {
            start(transport);
        }
    }

    private void start(Transport transport) {
        try {
            transport.start(listeners.apply(transport));
            started.replace(transport, Boolean.TRUE);
            LOG.info("transport '{}' started: {}", transport.kind(), transport.listenAddresses());
        } catch (IOException | RuntimeException e) {
            LOG.error("transport '{}' could not start: {}", transport.kind(), e.getMessage());
            failures.accept("transport '" + transport.kind() + "' could not start: " + e.getMessage());
        }
    }

    /** Stops and forgets a transport; whether it was known. */
    boolean remove(Transport transport) {
        if (started.remove(transport) == null) {
            return false;
        }
        try {
            transport.stop();
        } catch (RuntimeException e) {
            LOG.warn("transport '{}' failed to stop cleanly", transport.kind(), e);
        }
        return true;
    }

    List<Transport> all() {
        return new ArrayList<>(started.keySet());
    }

    /** A started transport of {@code kind}, if any. */
    Optional<Transport> started(String kind) {
        return started.entrySet().stream().filter(e -> e.getValue() && e.getKey().kind().equals(kind)).map(Map.Entry::getKey).findFirst();
    }

    boolean anyStarted() {
        return started.values().stream().anyMatch(Boolean::booleanValue);
    }

    List<String> listenAddresses() {
        List<String> all = new ArrayList<>();
        started.forEach((t, on) -> {
            if (on) {
                all.addAll(t.listenAddresses());
            }
        });
        return all;
    }

    /** Stops every started transport and keeps it, to start again in {@link #startStopped}. */
    void stopAll() {
        started.forEach((t, on) -> {
            if (on) {
                t.stop();
                started.replace(t, Boolean.FALSE);
            }
        });
    }

    void startStopped() {
        started.forEach((t, on) -> {
            if (!on) {
                start(t);
            }
        });
    }
}

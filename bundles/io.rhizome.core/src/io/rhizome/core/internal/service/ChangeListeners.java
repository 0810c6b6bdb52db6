package io.rhizome.core.internal.service;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.api.ChangeEvent;
import io.rhizome.core.internal.engine.EngineListener.EntityChange;

/**
 * The host's change listeners and the one thread they are called on, so that a slow listener never
 * holds up the engine thread; stream listeners share that thread ({@link #executor()}).
 */
final class ChangeListeners {

    private static final Logger LOG = LoggerFactory.getLogger(ChangeListeners.class);

    private record Listener(String namespace, Consumer<ChangeEvent> consumer) {
    }

    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final ExecutorService dispatcher = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "rhizome-change-listeners");
        t.setDaemon(true);
        return t;
    });

    /** The listeners' thread. */
    ExecutorService executor() {
        return dispatcher;
    }

    /** {@code namespace} null: every namespace. */
    AutoCloseable add(String namespace, Consumer<ChangeEvent> listener) {
        Listener l = new Listener(namespace, listener);
        listeners.add(l);
        return () -> listeners.remove(l);
    }

    /** Called by the engine (on its thread) once changes are durable. */
    void dispatch(List<EntityChange> changes) {
        if (listeners.isEmpty()) {
            return;
        }
        dispatcher.execute(() -> {
            for (EntityChange c : changes) {
                ChangeEvent event = new ChangeEvent(c.namespace(), c.key(), c.local() ? ChangeEvent.Origin.LOCAL : ChangeEvent.Origin.REMOTE,
                        c.author());
                for (Listener l : listeners) {
                    if (l.namespace() == null || l.namespace().equals(c.namespace())) {
                        try {
                            l.consumer().accept(event);
                        } catch (RuntimeException e) {
                            LOG.warn("change listener failed on {}/{}", c.namespace(), c.key(), e);
                        }
                    }
                }
            }
        });
    }

    void close() {
        dispatcher.shutdown();
        try {
            dispatcher.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

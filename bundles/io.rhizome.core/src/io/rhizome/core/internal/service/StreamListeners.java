package io.rhizome.core.internal.service;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.api.HeldBack;
import io.rhizome.api.StreamEvent;
import io.rhizome.core.internal.engine.Streams;
import io.rhizome.core.internal.sync.SyncEvents;

/** The host's {@link StreamEvent} listeners, called on the service's notification thread. */
final class StreamListeners implements SyncEvents {

    private static final Logger LOG = LoggerFactory.getLogger(StreamListeners.class);

    private final List<Consumer<StreamEvent>> listeners = new CopyOnWriteArrayList<>();
    private final Executor dispatcher;

    StreamListeners(Executor dispatcher) {
        this.dispatcher = dispatcher;
    }

    AutoCloseable add(Consumer<StreamEvent> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    @Override
    public void heldBack(String peerId, String direction, String stream, Optional<String> reason) {
        if (listeners.isEmpty()) {
            return;
        }
        StreamEvent e = new StreamEvent(peerId, "incoming".equals(direction) ? HeldBack.Direction.INCOMING : HeldBack.Direction.OUTGOING,
                Streams.namespace(stream), Streams.author(stream), reason);
        dispatcher.execute(() -> {
            for (Consumer<StreamEvent> l : listeners) {
                try {
                    l.accept(e);
                } catch (RuntimeException ex) {
                    LOG.warn("stream listener failed on {} ({})", stream, peerId, ex);
                }
            }
        });
    }
}

package io.rhizome.core.internal.engine;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.store.LogEntry;

/** The open {@link Outbox}es of an engine, which get every log entry as it becomes durable. */
final class Outboxes {

    private static final Logger LOG = LoggerFactory.getLogger(Outboxes.class);

    private final List<Outbox> open = new CopyOnWriteArrayList<>();

    void add(Outbox o) {
        open.add(o);
    }

    void remove(Outbox o) {
        open.remove(o);
    }

    /** Engine thread. */
    void appended(List<LogEntry> entries) {
        for (Outbox o : open) {
            try {
                o.appended(entries);
            } catch (RuntimeException e) {
                LOG.warn("an outbox failed to take new log entries", e);
            }
        }
    }
}

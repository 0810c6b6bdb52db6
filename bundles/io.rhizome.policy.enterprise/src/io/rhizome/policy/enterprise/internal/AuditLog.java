package io.rhizome.policy.enterprise.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.rhizome.spi.store.MetadataSpace;
import io.rhizome.spi.store.StoreException;

/**
 * The append-only audit log, in this bundle's own {@link MetadataSpace} of the node's store: an
 * audit trail is this node's record of what it decided, so it is durable but never synced (a
 * reserved namespace would travel to, and be writable by, every device). Keys are
 * {@code audit/} and a zero-padded sequence number, so a scan returns records in order.
 *
 * <p>Policy decisions run on sync threads and must not do I/O, so records are written by one
 * thread of this log, in order; {@link #close} writes what is queued before it returns.
 * Thread-safe.
 */
public final class AuditLog implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
    static final String PREFIX = "audit/";

    private final MetadataSpace space;
    private final ObjectMapper json = new ObjectMapper();
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "rhizome-audit");
        t.setDaemon(true);
        return t;
    });
    private long next;

    /** @throws StoreException if the existing records cannot be read */
    public AuditLog(MetadataSpace space) throws StoreException {
        this.space = space;
        SortedMap<String, byte[]> existing = space.scan(PREFIX);
        next = existing.isEmpty() ? 1 : Long.parseLong(existing.lastKey().substring(PREFIX.length())) + 1;
    }

    /** Queues a record; it is durable shortly after (a failure to write is logged). */
    public synchronized void append(AuditRecord record) {
        String key = PREFIX + String.format("%019d", next++);
        byte[] line;
        try {
            line = json.writeValueAsBytes(record.toJson());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("unreachable: an audit record is plain JSON", e);
        }
        writer.execute(() -> {
            try {
                space.put(key, line);
            } catch (StoreException | RuntimeException e) {
                LOG.error("audit record {} could not be written ({} {} {}): {}", key, record.decision(), record.device(),
                        record.namespace(), e.getMessage());
            }
        });
    }

    /** Every record at or after {@code sinceMillis}, oldest first (waits for queued records). */
    public List<AuditRecord> query(long sinceMillis) throws StoreException {
        flush();
        List<AuditRecord> out = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : space.scan(PREFIX).entrySet()) {
            try {
                AuditRecord r = AuditRecord.fromJson(json.readTree(new String(e.getValue(), StandardCharsets.UTF_8)));
                if (r.time() >= sinceMillis) {
                    out.add(r);
                }
            } catch (java.io.IOException | RuntimeException ex) {
                LOG.warn("audit record {} is unreadable and left out: {}", e.getKey(), ex.getMessage());
            }
        }
        return out;
    }

    /** Waits (bounded) until every queued record is written. */
    public void flush() {
        try {
            writer.submit(() -> { }).get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.warn("audit log: queued records not written within 30 s: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed: nothing is queued any more
        }
    }

    @Override
    public void close() {
        flush();
        writer.shutdown();
    }
}

package io.rhizome.store.postgres.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.rhizome.spi.store.LogEntry;
import io.rhizome.spi.store.NewEntry;
import io.rhizome.spi.store.StoreException;

/**
 * Group commit for appends: one thread takes every append call waiting (up to
 * {@value #MAX_BATCH_ENTRIES} entries) and writes them in one transaction, so that concurrent
 * calls share one lock of the log head and one commit (one WAL flush). Without it, writers of one
 * process queue on the head row inside PostgreSQL, each holding it across its own flush: eight
 * writers were slower than one on the 2-core build machine. Each call's entries and metadata are
 * still applied all or nothing: if a batch fails, its calls are tried again one transaction each,
 * so one call that PostgreSQL refuses fails alone.
 */
final class AppendCommitter implements AutoCloseable {

    static final int MAX_BATCH_ENTRIES = 5_000;
    private static final long CALL_TIMEOUT_SECONDS = 300;

    private record Call(List<NewEntry> entries, Map<String, byte[]> meta, CompletableFuture<List<LogEntry>> done) {
    }

    private final ConnectionPool pool;
    private final BlockingQueue<Call> queue = new LinkedBlockingQueue<>(65_536);
    private final Thread thread;
    private volatile boolean closed;

    AppendCommitter(ConnectionPool pool, String name) {
        this.pool = pool;
        this.thread = new Thread(this::loop, "rhizome-postgres-append " + name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    List<LogEntry> append(List<NewEntry> entries, Map<String, byte[]> meta) throws StoreException {
        if (closed) {
            throw pool.closedException();
        }
        Call call = new Call(List.copyOf(entries), Map.copyOf(meta), new CompletableFuture<>());
        try {
            if (!queue.offer(call, CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new StoreException("the PostgreSQL store's append queue stayed full for " + CALL_TIMEOUT_SECONDS + " s");
            }
            if (closed) {
                // close() may have drained the queue before this call went in
                call.done.completeExceptionally(pool.closedException());
            }
            return call.done.get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while appending to the PostgreSQL store", e);
        } catch (TimeoutException e) {
            throw new StoreException("an append to the PostgreSQL store got no answer within " + CALL_TIMEOUT_SECONDS
                    + " s; it may or may not have been applied", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StoreException s) {
                throw new StoreException(s.getMessage(), s);
            }
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new StoreException("append failed: " + e.getCause(), e.getCause());
        }
    }

    private void loop() {
        List<Call> batch = new ArrayList<>();
        while (!closed) {
            try {
                Call first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                int entries = first.entries.size();
                for (Call next; entries < MAX_BATCH_ENTRIES && (next = queue.poll()) != null; ) {
                    batch.add(next);
                    entries += next.entries.size();
                }
                commit(batch);
            } catch (InterruptedException e) {
                break;
            } finally {
                batch.clear();
            }
        }
        failAll();
    }

    private void commit(List<Call> batch) {
        try {
            List<List<LogEntry>> results = write(batch);
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).done.complete(results.get(i));
            }
            return;
        } catch (StoreException | RuntimeException e) {
            if (batch.size() == 1) {
                batch.get(0).done.completeExceptionally(e);
                return;
            }
        }
        for (Call call : batch) {
            try {
                call.done.complete(write(List.of(call)).get(0));
            } catch (StoreException | RuntimeException e) {
                call.done.completeExceptionally(e);
            }
        }
    }

    private List<List<LogEntry>> write(List<Call> batch) throws StoreException {
        List<List<NewEntry>> entries = new ArrayList<>(batch.size());
        Map<String, byte[]> meta = new LinkedHashMap<>();
        for (Call call : batch) {
            entries.add(call.entries);
            meta.putAll(call.meta); // in call order: a later call's value wins, as if applied one after the other
        }
        return pool.inTransaction("append", c -> {
            List<List<LogEntry>> appended = LogTable.append(c, entries);
            KeyValueTables.putMeta(c, meta);
            return appended;
        });
    }

    private void failAll() {
        for (Call call; (call = queue.poll()) != null; ) {
            call.done.completeExceptionally(pool.closedException());
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        failAll();
    }
}

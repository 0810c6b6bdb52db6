package io.rhizome.rest.internal;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;

/**
 * The node's long requests (import, export, join) as records a second client can watch: an import
 * or export is one request, so without a record only its own caller would know how far it got.
 * {@code GET /api/v1/status} lists the running ones and the last {@link #KEEP_FINISHED} finished
 * within {@link #KEEP_FINISHED_MILLIS}; the monitor draws them as bars. Memory only: a restart
 * forgets them, as it ends the requests.
 */
final class Operations {

    static final int KEEP_FINISHED = 10;
    static final long KEEP_FINISHED_MILLIS = 10 * 60_000L;

    private final AtomicLong ids = new AtomicLong();
    private final List<Operation> running = new ArrayList<>();
    private final Deque<Operation> finished = new ArrayDeque<>();

    /** Starts recording one operation of a kind ({@code import}, {@code export}, {@code join}). */
    synchronized Operation start(String kind) {
        Operation op = new Operation(kind + "-" + ids.incrementAndGet(), kind, Instant.now(), this::ended);
        running.add(op);
        return op;
    }

    private synchronized void ended(Operation op) {
        running.remove(op);
        finished.addFirst(op);
        while (finished.size() > KEEP_FINISHED) {
            finished.removeLast();
        }
    }

    /** Running operations first, then the recently finished ones, newest first. */
    synchronized ArrayNode toJson(ObjectMapper json) {
        ArrayNode arr = json.createArrayNode();
        for (Operation op : running) {
            arr.add(op.toJson(json));
        }
        long now = System.currentTimeMillis();
        finished.removeIf(op -> now - op.finishedAtMillis() > KEEP_FINISHED_MILLIS);
        for (Operation op : finished) {
            arr.add(op.toJson(json));
        }
        return arr;
    }
}

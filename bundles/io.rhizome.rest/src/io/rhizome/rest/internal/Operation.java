package io.rhizome.rest.internal;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One long request as it goes: its phase ({@code reading}, {@code checking}, {@code writing} for an
 * import; {@code writing} for an export; {@code key-agreement} for a join), items done of the
 * phase's total, bytes done of the total when known, and an ETA from the phase's pace so far.
 * Written by the request's thread, read by status requests: every method is synchronized.
 */
final class Operation {

    private final String id;
    private final String kind;
    private final Instant startedAt;
    private final Consumer<Operation> onEnd;
    private String phase = "starting";
    private String unit = "items";
    private long phaseStartedNanos = System.nanoTime();
    private long done;
    private long total = -1;
    private long bytes;
    private long totalBytes = -1;
    private String state = "running";
    private String error;
    private long finishedAtMillis;

    Operation(String id, String kind, Instant startedAt, Consumer<Operation> onEnd) {
        this.id = id;
        this.kind = kind;
        this.startedAt = startedAt;
        this.onEnd = onEnd;
    }

    String id() {
        return id;
    }

    /** A new phase: {@code total} items of {@code unit} (-1 when not known), counted from 0. */
    synchronized Operation phase(String name, String itemUnit, long itemTotal) {
        phase = name;
        unit = itemUnit;
        total = itemTotal;
        done = 0;
        phaseStartedNanos = System.nanoTime();
        return this;
    }

    synchronized Operation totalBytes(long n) {
        totalBytes = n;
        return this;
    }

    synchronized void advance(long itemsDone, long bytesDone) {
        done = itemsDone;
        bytes = bytesDone;
    }

    /** Ends the record: done, or failed with the sentence the caller got. */
    void finish(Optional<String> failure) {
        synchronized (this) {
            if (!state.equals("running")) {
                return;
            }
            state = failure.isPresent() ? "failed" : "done";
            error = failure.orElse(null);
            finishedAtMillis = System.currentTimeMillis();
        }
        onEnd.accept(this);
    }

    synchronized long finishedAtMillis() {
        return finishedAtMillis;
    }

    synchronized ObjectNode toJson(ObjectMapper json) {
        ObjectNode o = json.createObjectNode();
        o.put("id", id);
        o.put("kind", kind);
        o.put("state", state);
        o.put("phase", phase);
        o.put("unit", unit);
        o.put("done", done);
        o.put("total", total);
        o.put("bytes", bytes);
        o.put("totalBytes", totalBytes);
        o.put("startedAt", startedAt.toString());
        long end = state.equals("running") ? System.currentTimeMillis() : finishedAtMillis;
        o.put("elapsedMillis", Math.max(0, end - startedAt.toEpochMilli()));
        if (state.equals("running")) {
            long phaseMillis = (System.nanoTime() - phaseStartedNanos) / 1_000_000L;
            OptionalLong eta = done < total ? Eta.millis(phaseMillis, done, total) : OptionalLong.empty();
            if (eta.isPresent()) {
                o.put("etaMillis", eta.getAsLong());
            } else {
                o.putNull("etaMillis");
            }
        } else {
            o.put("etaMillis", 0);
            o.put("finishedAt", Instant.ofEpochMilli(finishedAtMillis).toString());
        }
        if (error != null) {
            o.put("error", error);
        }
        return o;
    }
}

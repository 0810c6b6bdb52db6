package io.rhizome.rest.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code GET /api/v1/status/events}: server-sent events {@code status} (the whole status document,
 * as {@code GET /api/v1/status} answers it) and {@code presence} (as {@code GET /api/v1/presence}),
 * each sent first on connect and then whenever it changed — a peer connecting or leaving, progress,
 * a held-back stream, an operation's count, a pairing's stage, a device appearing or expiring. The
 * status is made of many services' answers and none of them tells of every change, so the stream
 * looks every {@link #LOOK_MILLIS} and sends only what differs (one look costs what one status
 * request costs, on the server, instead of a poll per open page). It ends after {@link #MAX_MILLIS}
 * (an {@code EventSource} reconnects by itself) or when the client goes away.
 */
final class StatusStream {

    static final long LOOK_MILLIS = 250;
    static final long HEARTBEAT_MILLIS = 15_000;
    static final long MAX_MILLIS = 60 * 60_000L;

    private final Supplier<RestResponse> status;
    private final Supplier<Optional<JsonNode>> presence;
    private final ObjectMapper json;

    StatusStream(Supplier<RestResponse> status, Supplier<Optional<JsonNode>> presence, ObjectMapper json) {
        this.status = status;
        this.presence = presence;
        this.json = json;
    }

    RestResponse response() {
        return RestResponse.stream("text/event-stream", this::run);
    }

    private void run(OutputStream out) throws IOException {
        out.write(": rhizome status stream\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
        long started = System.nanoTime();
        long lastWrite = started;
        JsonNode lastStatus = null;
        JsonNode lastPresence = null;
        while (System.nanoTime() - started < MAX_MILLIS * 1_000_000L) {
            JsonNode s = status.get().body();
            JsonNode sameStatus = withoutClockFields(s);
            boolean wrote = false;
            if (!sameStatus.equals(lastStatus)) {
                send(out, "status", s);
                lastStatus = sameStatus;
                wrote = true;
            }
            Optional<JsonNode> p = presence.get();
            if (p.isPresent() && !p.get().equals(lastPresence)) {
                send(out, "presence", p.get());
                lastPresence = p.get();
                wrote = true;
            }
            long now = System.nanoTime();
            if (wrote) {
                lastWrite = now;
            } else if (now - lastWrite > HEARTBEAT_MILLIS * 1_000_000L) {
                out.write(":\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                lastWrite = now;
            }
            try {
                Thread.sleep(LOOK_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * The node's uptime and an invitation's seconds left move on every look; a change of them alone
     * is no news (the page counts an invitation down from its {@code expiresAt}).
     */
    private static JsonNode withoutClockFields(JsonNode s) {
        JsonNode copy = s.deepCopy();
        if (copy.path("node") instanceof ObjectNode n) {
            n.remove("uptimeMillis");
        }
        if (copy.path("pairing") instanceof ObjectNode p) {
            p.remove("secondsLeft");
        }
        return copy;
    }

    private void send(OutputStream out, String event, JsonNode data) throws IOException {
        out.write(("event: " + event + "\ndata: " + json.writeValueAsString(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}

package io.rhizome.rest.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An operation's progress as JSON lines {@code {"progress":{…the operation…}}} into a streamed
 * answer, at most one per {@link #EVERY_MILLIS} (the operation ticks for every chunk), the way
 * backup and restore answer with {@code "progress":true}; a client draws a bar from them.
 */
final class OperationLines {

    static final long EVERY_MILLIS = 200;

    private final ObjectMapper json;
    private final OutputStream out;
    private final Operation op;
    private long lastLine = System.nanoTime() - EVERY_MILLIS * 1_000_000L;
    private boolean gone;

    OperationLines(ObjectMapper json, OutputStream out, Operation op) {
        this.json = json;
        this.out = out;
        this.op = op;
    }

    void maybe() {
        if (System.nanoTime() - lastLine >= EVERY_MILLIS * 1_000_000L) {
            now();
        }
    }

    void now() {
        lastLine = System.nanoTime();
        ObjectNode root = json.createObjectNode();
        root.set("progress", op.toJson(json));
        line(root);
    }

    /** Any other line of the answer (the result, an error, an exported entity). */
    void line(ObjectNode node) {
        if (gone) {
            return;
        }
        try {
            out.write((json.writeValueAsString(node) + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            // The client went away: the operation goes on (an import half-way would gain nothing by stopping).
            gone = true;
        }
    }
}

package io.rhizome.rest.internal;

import java.io.IOException;
import java.io.OutputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A response: a JSON body, or a stream (server-sent events, JSON lines) written by {@link #stream}.
 */
public record RestResponse(int status, JsonNode body, String contentType, StreamBody stream) {

    /** Writes a streamed body; returns when the stream ends (or the client went away). */
    @FunctionalInterface
    public interface StreamBody {
        void write(OutputStream out) throws IOException;
    }

    public static RestResponse ok(JsonNode body) {
        return new RestResponse(200, body, "application/json", null);
    }

    public static RestResponse stream(String contentType, StreamBody body) {
        return new RestResponse(200, null, contentType, body);
    }

    /** An error body: {@code {"error": code, "message": message}}, a message a person can act on. */
    public static RestResponse error(int status, String code, String message) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("error", code);
        node.put("message", wellFormed(message));
        return new RestResponse(status, node, "application/json", null);
    }

    /**
     * A message may quote a refused key or name; one with a lone surrogate has no UTF-8 form and
     * would break the answer, so such a character becomes U+FFFD.
     */
    static String wellFormed(String message) {
        StringBuilder b = new StringBuilder(message.length());
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < message.length() && Character.isLowSurrogate(message.charAt(i + 1))) {
                b.append(c).append(message.charAt(++i));
            } else {
                b.append(Character.isSurrogate(c) ? '\uFFFD' : c);
            }
        }
        return b.toString();
    }

    public boolean streamed() {
        return stream != null;
    }
}

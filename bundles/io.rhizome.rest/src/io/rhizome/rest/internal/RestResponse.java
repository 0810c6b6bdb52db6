package io.rhizome.rest.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** A JSON response: status code and body. */
public record RestResponse(int status, JsonNode body) {

    public static RestResponse ok(JsonNode body) {
        return new RestResponse(200, body);
    }

    /** An error body: {@code {"error": code, "message": message}}, a message a person can act on. */
    public static RestResponse error(int status, String code, String message) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("error", code);
        node.put("message", message);
        return new RestResponse(status, node);
    }
}

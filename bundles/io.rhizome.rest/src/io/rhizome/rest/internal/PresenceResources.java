package io.rhizome.rest.internal;

import java.io.IOException;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.api.DevicePresence;
import io.rhizome.api.Presence;
import io.rhizome.api.SyncException;

/**
 * {@code GET /v1/presence} (every state present), {@code PUT /v1/presence}
 * {@code {"state": JSON, "ttlSeconds"?: N}} (this device's) and {@code DELETE /v1/presence}.
 */
final class PresenceResources {

    private final Presence presence;
    private final ObjectMapper json;

    PresenceResources(Presence presence, ObjectMapper json) {
        this.presence = presence;
        this.json = json;
    }

    RestResponse handle(RestRequest request) {
        return switch (request.method()) {
            case "GET" -> RestResponse.ok(list());
            case "PUT" -> publish(request.body());
            case "DELETE" -> {
                presence.clear();
                yield RestResponse.ok(list());
            }
            default -> RestResponse.error(405, "method_not_allowed", request.method() + " is not allowed here; use GET, PUT or DELETE");
        };
    }

    private RestResponse publish(byte[] body) {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (IOException e) {
            return RestResponse.error(400, "invalid_json", "the body is not one JSON value: " + e.getMessage().split("\n")[0]);
        }
        if (root == null || !root.isObject() || !root.has("state")) {
            return RestResponse.error(400, "invalid_presence", "send {\"state\": any JSON value, \"ttlSeconds\"?: seconds}");
        }
        JsonNode ttl = root.path("ttlSeconds");
        if (!ttl.isMissingNode() && !ttl.canConvertToLong()) {
            return RestResponse.error(400, "invalid_presence", "ttlSeconds must be a whole number of seconds, not " + ttl);
        }
        try {
            presence.publish(root.get("state"), ttl.isMissingNode() ? Presence.DEFAULT_TTL : Duration.ofSeconds(ttl.asLong()));
        } catch (SyncException e) {
            return SyncErrors.of(e);
        }
        return RestResponse.ok(list());
    }

    private ObjectNode list() {
        ObjectNode root = json.createObjectNode();
        ArrayNode arr = root.putArray("devices");
        for (DevicePresence d : presence.devices()) {
            ObjectNode o = arr.addObject();
            o.put("deviceId", d.deviceId());
            o.put("self", d.self());
            o.set("state", d.state());
            o.put("updatedAt", d.updatedAt().toString());
            o.put("expiresAt", d.expiresAt().toString());
        }
        return root;
    }
}

package io.rhizome.rest.internal;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.api.CloudService;

/**
 * {@code /v1/cloud}: the clouds of the node's fallback. {@code GET} lists them with their per-peer
 * state, {@code POST {"kind","location"}} adds one, {@code DELETE /v1/cloud/{id}} removes one;
 * {@code POST /v1/cloud/signin {"kind","location"}} starts the consent of a cloud account (the
 * answer names the page to open) and {@code GET /v1/cloud/signin/{id}} says how it stands.
 */
final class CloudResources {

    private final Optional<CloudService> cloud;
    private final ObjectMapper json;

    CloudResources(Optional<CloudService> cloud, ObjectMapper json) {
        this.cloud = cloud;
        this.json = json;
    }

    RestResponse handle(RestRequest request, String path) {
        if (cloud.isEmpty()) {
            return RestResponse.error(503, "unavailable", "the cloud fallback is not running (is io.rhizome.transport.cloud installed and the engine started?)");
        }
        CloudService c = cloud.get();
        if (path.equals("/v1/cloud")) {
            if (request.method().equals("GET")) {
                return RestResponse.ok(list(c.clouds()));
            }
            return RestRouter.post(request, () -> add(c, request.body()));
        }
        if (path.equals("/v1/cloud/signin")) {
            return RestRouter.post(request, () -> signIn(c, request.body()));
        }
        if (path.startsWith("/v1/cloud/signin/")) {
            String id = path.substring("/v1/cloud/signin/".length());
            if (!request.method().equals("GET")) {
                return RestResponse.error(405, "method_not_allowed", request.method() + " is not allowed here; use GET");
            }
            return c.signInStatus(id).map(x -> RestResponse.ok(signIn(x)))
                    .orElseGet(() -> RestResponse.error(404, "not_found", "no sign-in was started for '" + id + "'; start one with `rhizome cloud add gdrive`"));
        }
        String id = path.substring("/v1/cloud/".length());
        if (!request.method().equals("DELETE")) {
            return RestResponse.error(405, "method_not_allowed", request.method() + " is not allowed here; use DELETE");
        }
        return c.remove(id).map(x -> {
            ObjectNode o = json.createObjectNode();
            o.put("removed", id);
            return RestResponse.ok(o);
        }).orElseGet(() -> RestResponse.error(404, "not_found", "no cloud with id '" + id + "'; `rhizome cloud status` lists them"));
    }

    private RestResponse add(CloudService c, byte[] body) {
        JsonNode req;
        try {
            req = body.length == 0 ? null : json.readTree(body);
        } catch (IOException e) {
            return RestResponse.error(400, "bad_request", "the body is not valid JSON: " + e.getMessage());
        }
        if (req == null || !req.isObject() || !req.path("kind").isTextual() || !req.path("location").isTextual()) {
            return RestResponse.error(400, "bad_request", "expected {\"kind\": \"folder\", \"location\": \"/absolute/path\"}");
        }
        try {
            return RestResponse.ok(cloud(c.add(req.get("kind").asText(), req.get("location").asText())));
        } catch (IllegalArgumentException e) {
            return RestResponse.error(400, "bad_request", e.getMessage());
        } catch (IllegalStateException e) {
            return RestResponse.error(500, "storage", e.getMessage());
        }
    }

    private RestResponse signIn(CloudService c, byte[] body) {
        JsonNode req;
        try {
            req = body.length == 0 ? null : json.readTree(body);
        } catch (IOException e) {
            return RestResponse.error(400, "bad_request", "the body is not valid JSON: " + e.getMessage());
        }
        if (req == null || !req.isObject() || !req.path("kind").isTextual() || !req.path("location").isTextual()) {
            return RestResponse.error(400, "bad_request", "expected {\"kind\": \"gdrive\", \"location\": \"appDataFolder\"}");
        }
        try {
            return RestResponse.ok(signIn(c.signIn(req.get("kind").asText(), req.get("location").asText())));
        } catch (IllegalArgumentException e) {
            return RestResponse.error(400, "bad_request", e.getMessage());
        }
    }

    private ObjectNode signIn(CloudService.SignIn s) {
        ObjectNode o = json.createObjectNode();
        o.put("id", s.cloudId());
        o.put("consentUrl", s.consentUrl());
        o.put("state", s.state());
        o.put("error", s.error().orElse(null));
        return o;
    }

    private JsonNode list(List<CloudService.Cloud> clouds) {
        ObjectNode root = json.createObjectNode();
        ArrayNode arr = root.putArray("clouds");
        clouds.forEach(c -> arr.add(cloud(c)));
        return root;
    }

    private ObjectNode cloud(CloudService.Cloud c) {
        ObjectNode o = json.createObjectNode();
        o.put("id", c.id());
        o.put("kind", c.kind());
        o.put("location", c.location());
        o.put("lastRound", c.lastRoundMillis() == 0 ? null : Instant.ofEpochMilli(c.lastRoundMillis()).toString());
        o.put("lastError", c.lastError().orElse(null));
        ObjectNode storage = o.putObject("storage");
        storage.put("batchFiles", c.storage().batchFiles());
        storage.put("snapshotFiles", c.storage().snapshotFiles());
        storage.put("bytes", c.storage().bytes());
        storage.put("retentionMillis", c.storage().retentionMillis());
        storage.put("budgetBytes", c.storage().budgetBytes());
        ArrayNode peers = o.putArray("peers");
        for (CloudService.Peer p : c.peers()) {
            ObjectNode pn = peers.addObject();
            pn.put("deviceId", p.deviceId());
            pn.put("lastReceived", p.lastReceivedMillis() == 0 ? null : Instant.ofEpochMilli(p.lastReceivedMillis()).toString());
            pn.put("problem", p.problem().orElse(null));
        }
        return o;
    }

    /** The cloud through which a batch from {@code peerId} was last applied, and when; empty if none. */
    static Optional<Route> lastRoute(Optional<CloudService> cloud, String peerId) {
        Route best = null;
        for (CloudService.Cloud c : cloud.map(CloudService::clouds).orElse(List.of())) {
            for (CloudService.Peer p : c.peers()) {
                if (p.deviceId().equals(peerId) && p.lastReceivedMillis() > 0 && (best == null || p.lastReceivedMillis() > best.atMillis())) {
                    best = new Route(c.id(), p.lastReceivedMillis());
                }
            }
        }
        return Optional.ofNullable(best);
    }

    record Route(String cloudId, long atMillis) {
    }
}

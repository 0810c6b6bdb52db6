package io.rhizome.rest.internal;

import java.util.Base64;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.spi.crypto.CryptoException;
import io.rhizome.spi.crypto.InvalidMnemonicException;
import io.rhizome.spi.crypto.KeyService;
import io.rhizome.spi.crypto.RecoveryService;

/**
 * {@code GET /v1/identity}; {@code POST /v1/recovery/show} (needs {@code {"confirm":true}});
 * {@code POST /v1/recovery/verify} ({@code {"words":"…"}}). The words are never logged.
 */
final class IdentityResources {

    private final Optional<KeyService> keys;
    private final Optional<RecoveryService> recovery;
    private final ObjectMapper json;

    IdentityResources(Optional<KeyService> keys, Optional<RecoveryService> recovery, ObjectMapper json) {
        this.keys = keys;
        this.recovery = recovery;
        this.json = json;
    }

    RestResponse identity() {
        if (keys.isEmpty()) {
            return RestResponse.error(503, "unavailable", "no KeyService is running (install io.rhizome.crypto.bc)");
        }
        KeyService k = keys.get();
        ObjectNode o = json.createObjectNode();
        o.put("deviceId", k.deviceId());
        o.put("fingerprint", k.fingerprint());
        o.put("publicKey", Base64.getUrlEncoder().withoutPadding().encodeToString(k.identityPublicKey()));
        o.put("meshEpoch", k.currentMeshKey().epoch());
        o.set("epochs", json.valueToTree(k.epochs()));
        return RestResponse.ok(o);
    }

    RestResponse show(byte[] body) {
        if (recovery.isEmpty()) {
            return RestResponse.error(503, "unavailable", "no RecoveryService is running (install io.rhizome.crypto.bc)");
        }
        JsonNode req = parse(body);
        if (req == null || !req.path("confirm").asBoolean(false)) {
            return RestResponse.error(400, "confirmation_required", "send {\"confirm\":true} to show the recovery phrase");
        }
        try {
            ObjectNode o = json.createObjectNode();
            o.set("words", json.valueToTree(recovery.get().mnemonic()));
            return RestResponse.ok(o);
        } catch (CryptoException e) {
            return RestResponse.error(500, "crypto", e.getMessage());
        }
    }

    RestResponse verify(byte[] body) {
        if (recovery.isEmpty()) {
            return RestResponse.error(503, "unavailable", "no RecoveryService is running (install io.rhizome.crypto.bc)");
        }
        JsonNode req = parse(body);
        if (req == null || !req.path("words").isTextual()) {
            return RestResponse.error(400, "invalid_request", "send {\"words\":\"the 24 words\"}");
        }
        try {
            recovery.get().verify(List.of(req.get("words").asText()));
            ObjectNode o = json.createObjectNode();
            o.put("valid", true);
            return RestResponse.ok(o);
        } catch (InvalidMnemonicException e) {
            ObjectNode o = json.createObjectNode();
            o.put("error", "invalid_mnemonic");
            o.put("reason", e.reason().name().toLowerCase(java.util.Locale.ROOT));
            o.put("position", e.position());
            o.put("message", e.getMessage());
            return new RestResponse(422, o, "application/json", null);
        } catch (CryptoException e) {
            return RestResponse.error(500, "crypto", e.getMessage());
        }
    }

    private JsonNode parse(byte[] body) {
        try {
            return body.length == 0 ? null : json.readTree(body);
        } catch (java.io.IOException e) {
            return null;
        }
    }
}

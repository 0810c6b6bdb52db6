package io.rhizome.rest.internal;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.api.PairingException;
import io.rhizome.api.PairingService;
import io.rhizome.api.PairingService.Invitation;
import io.rhizome.api.PairingService.TrustedPeer;
import io.rhizome.api.PeerStatus;
import io.rhizome.api.SyncService;
import io.rhizome.spi.transport.Transport;
import io.rhizome.spi.transport.TransportDiagnostics;

/**
 * Pairing, trusted peers and transport diagnostics: {@code /v1/pair}, {@code /v1/join},
 * {@code /v1/peers[/ID]}, {@code /v1/p2p/ping}, {@code /v1/p2p/connect}.
 */
final class PeerResources {

    static final Duration MAX_JOIN = Duration.ofMinutes(2);
    static final Duration DIAGNOSTIC_TIMEOUT = Duration.ofSeconds(15);

    private final Optional<PairingService> pairing;
    private final Optional<SyncService> sync;
    private final List<Transport> transports;
    private final ObjectMapper json;

    private Operations operations = new Operations();

    /** Where a join is recorded while it runs (its key agreement blocks the request). */
    PeerResources recordedIn(Operations ops) {
        this.operations = ops;
        return this;
    }

    PeerResources(Optional<PairingService> pairing, Optional<SyncService> sync, List<Transport> transports, ObjectMapper json) {
        this.pairing = pairing;
        this.sync = sync;
        this.transports = transports;
        this.json = json;
    }

    RestResponse handle(RestRequest request, String path) {
        if (path.startsWith("/v1/p2p/")) {
            return RestRouter.post(request, () -> diagnostics(path.substring("/v1/p2p/".length()), request.body()));
        }
        if (pairing.isEmpty()) {
            return RestResponse.error(503, "unavailable", "no PairingService is running (install io.rhizome.pairing)");
        }
        PairingService p = pairing.get();
        try {
            switch (path) {
                case "/v1/pair":
                    return switch (request.method()) {
                        case "POST" -> new RestResponse(201, invitation(p.invite()), "application/json", null);
                        case "GET" -> p.invitation().map(i -> RestResponse.ok(invitation(i)))
                                .orElseGet(() -> RestResponse.error(404, "not_found", "no invitation was created since the daemon started; POST /api/v1/pair"));
                        case "DELETE" -> {
                            p.cancelInvitation();
                            yield p.invitation().map(i -> RestResponse.ok(invitation(i)))
                                    .orElseGet(() -> RestResponse.error(404, "not_found", "there is no invitation to cancel"));
                        }
                        default -> RestResponse.error(405, "method_not_allowed", request.method() + " is not allowed here; use POST, GET or DELETE");
                    };
                case "/v1/join":
                    return RestRouter.post(request, () -> join(p, request.body()));
                case "/v1/peers":
                    return RestRouter.get(request, () -> peers(p));
                default:
                    break;
            }
            if (path.startsWith("/v1/peers/")) {
                String id = path.substring("/v1/peers/".length());
                if (!"DELETE".equals(request.method())) {
                    return RestResponse.error(405, "method_not_allowed", request.method() + " is not allowed here; use DELETE to revoke");
                }
                p.revoke(id);
                ObjectNode o = json.createObjectNode();
                o.put("revoked", id);
                return RestResponse.ok(o);
            }
        } catch (PairingException e) {
            return error(e);
        }
        return RestResponse.error(404, "not_found", "no resource at /api" + path);
    }

    static RestResponse error(PairingException e) {
        int status = switch (e.reason()) {
            case MALFORMED_CODE, NOT_EMPTY -> 400;
            case REFUSED -> 403;
            case NOT_FOUND, UNKNOWN_PEER -> 404;
            case UNREACHABLE -> 504;
            case NO_TRANSPORT -> 503;
            case PROTOCOL -> 502;
            case STORAGE -> 500;
        };
        return RestResponse.error(status, e.reason().name().toLowerCase(), e.getMessage());
    }

    ObjectNode invitation(Invitation i) {
        ObjectNode o = json.createObjectNode();
        o.put("code", i.code());
        o.put("joinUri", i.joinUri());
        o.put("expiresAt", Instant.ofEpochMilli(i.expiresAt()).toString());
        o.put("secondsLeft", Math.max(0, (i.expiresAt() - System.currentTimeMillis()) / 1000));
        o.put("attemptsLeft", i.attemptsLeft());
        o.put("state", i.state());
        o.put("pairedWith", i.pairedWith().orElse(null));
        ArrayNode a = o.putArray("addresses");
        i.addresses().forEach(a::add);
        PairingStage.describe(o, i, sync.map(SyncService::status));
        return o;
    }

    private RestResponse join(PairingService p, byte[] body) {
        JsonNode req = parse(body);
        if (req == null || !req.path("code").isTextual()) {
            return RestResponse.error(400, "bad_request", "send {\"code\":\"RZ-XXXX-XXXX-XXXX\", \"addr\": optional address, \"timeoutSeconds\": optional}");
        }
        Optional<String> addr = req.path("addr").isTextual() && !req.path("addr").asText().isBlank() ? Optional.of(req.path("addr").asText().trim()) : Optional.empty();
        long seconds = req.path("timeoutSeconds").asLong(30);
        if (seconds < 1 || seconds > MAX_JOIN.toSeconds()) {
            return RestResponse.error(400, "bad_request", "timeoutSeconds must be from 1 to " + MAX_JOIN.toSeconds());
        }
        Operation op = operations.start("join");
        op.phase("key-agreement", "steps", 1);
        TrustedPeer t;
        try {
            t = p.join(req.path("code").asText(), addr, Duration.ofSeconds(seconds));
        } catch (RuntimeException e) {
            op.finish(Optional.of(message(e)));
            throw e;
        }
        op.advance(1, 0);
        op.finish(Optional.empty());
        return RestResponse.ok(peer(t, Optional.empty()));
    }

    private RestResponse peers(PairingService p) {
        Map<String, PeerStatus> status = sync.map(s -> s.status().peers()).orElse(List.of()).stream()
                .collect(java.util.stream.Collectors.toMap(PeerStatus::peerId, s -> s, (a, b) -> a));
        ObjectNode root = json.createObjectNode();
        ArrayNode arr = root.putArray("peers");
        for (TrustedPeer t : p.trustedPeers()) {
            arr.add(peer(t, Optional.ofNullable(status.get(t.deviceId()))));
        }
        return RestResponse.ok(root);
    }

    private ObjectNode peer(TrustedPeer t, Optional<PeerStatus> s) {
        ObjectNode o = json.createObjectNode();
        o.put("deviceId", t.deviceId());
        o.put("fingerprint", t.fingerprint());
        o.put("pairedAt", Instant.ofEpochMilli(t.pairedAt()).toString());
        o.put("via", t.via());
        o.put("connected", s.map(PeerStatus::connected).orElse(false));
        o.put("transport", s.flatMap(PeerStatus::transport).orElse(null));
        o.put("lastSeen", s.flatMap(PeerStatus::lastSeen).map(Instant::toString).orElse(null));
        o.put("pendingEvents", s.map(PeerStatus::pendingEvents).orElse(0L));
        o.put("lastSync", s.flatMap(PeerStatus::lastSync).map(Instant::toString).orElse(null));
        o.put("heldBackStreams", s.map(x -> x.heldBack().size()).orElse(0));
        ArrayNode a = o.putArray("addresses");
        t.addresses().forEach(a::add);
        return o;
    }

    private RestResponse diagnostics(String command, byte[] body) {
        JsonNode req = parse(body);
        if (req == null || !req.path("addr").isTextual() || req.path("addr").asText().isBlank()) {
            return RestResponse.error(400, "bad_request", "send {\"addr\":\"/ip4/.../tcp/.../p2p/...\"}");
        }
        String addr = req.path("addr").asText().trim();
        String kind = req.path("transport").asText("libp2p");
        Optional<Transport> t = transports.stream().filter(x -> x.kind().equals(kind) && x instanceof TransportDiagnostics).findFirst();
        if (t.isEmpty()) {
            return RestResponse.error(503, "unavailable", "no running '" + kind + "' transport offers diagnostics (is io.rhizome.transport.libp2p installed?)");
        }
        TransportDiagnostics d = (TransportDiagnostics) t.get();
        try {
            switch (command) {
                case "ping": {
                    int count = req.path("count").asInt(1);
                    if (count < 1 || count > 100) {
                        return RestResponse.error(400, "bad_request", "count must be from 1 to 100");
                    }
                    ObjectNode o = json.createObjectNode();
                    o.put("addr", addr);
                    ArrayNode rtts = o.putArray("rttMillis");
                    for (int i = 0; i < count; i++) {
                        Duration rtt = d.ping(addr).toCompletableFuture().get(DIAGNOSTIC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                        rtts.add(rtt.toNanos() / 1e6);
                    }
                    return RestResponse.ok(o);
                }
                case "connect": {
                    Map<String, Object> info = d.probe(addr).toCompletableFuture().get(DIAGNOSTIC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                    ObjectNode o = json.valueToTree(info);
                    Object protocols = info.get("protocols");
                    boolean speaksSync = protocols instanceof List<?> l && l.contains("/rhizome/sync/1.0.0");
                    if (speaksSync && sync.isPresent()) {
                        try {
                            String id = sync.get().connect(kind, addr).toCompletableFuture().get(DIAGNOSTIC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                            o.put("syncPeer", id);
                        } catch (ExecutionException e) {
                            o.put("syncError", message(e.getCause()));
                        }
                    }
                    return RestResponse.ok(o);
                }
                default:
                    return RestResponse.error(404, "not_found", "unknown p2p command '" + command + "' (ping, connect)");
            }
        } catch (ExecutionException e) {
            return RestResponse.error(502, "unreachable", message(e.getCause()));
        } catch (TimeoutException e) {
            return RestResponse.error(504, "timeout", addr + " did not answer within " + DIAGNOSTIC_TIMEOUT.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return RestResponse.error(503, "interrupted", "interrupted");
        } catch (IllegalArgumentException e) {
            return RestResponse.error(400, "bad_address", e.getMessage());
        }
    }

    private static String message(Throwable t) {
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    /** The transports' own view for status output: PeerId, listen addresses. */
    static ObjectNode transportsInfo(List<Transport> transports, ObjectMapper json) {
        ObjectNode o = json.createObjectNode();
        for (Transport t : transports) {
            ObjectNode tn = o.putObject(t.kind());
            if (t instanceof TransportDiagnostics d) {
                tn.setAll((ObjectNode) json.valueToTree(d.localInfo()));
            }
            if (!tn.has("listenAddresses")) {
                ArrayNode a = tn.putArray("listenAddresses");
                t.listenAddresses().forEach(a::add);
            }
        }
        return o;
    }

    private JsonNode parse(byte[] body) {
        try {
            return body.length == 0 ? null : json.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }
}

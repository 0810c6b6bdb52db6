package io.rhizome.rest.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.api.ChangeEvent;
import io.rhizome.api.StreamEvent;
import io.rhizome.api.NamespaceInfo;
import io.rhizome.api.SyncException;
import io.rhizome.api.SyncService;

/**
 * The data resources: namespaces, entities, the change stream, export and import.
 * <ul>
 * <li>{@code GET /v1/ns} namespaces; {@code GET /v1/ns/{ns}} keys;</li>
 * <li>{@code GET|PUT|DELETE /v1/ns/{ns}/{key}} value; {@code POST /v1/ns/{ns}/{key}} applies an intent;</li>
 * <li>{@code GET /v1/events[?ns=a,b]} server-sent events, one per changed entity;</li>
 * <li>{@code GET /v1/export[?ns=a,b]} JSON lines; {@code POST /v1/import} JSON lines (both in {@link ImportExport}).</li>
 * </ul>
 */
final class DataResources {

    static final int MAX_QUEUED_EVENTS = 10_000;
    static final long HEARTBEAT_MILLIS = 15_000;

    private final SyncService sync;
    private final ObjectMapper json;
    private final Optional<NamespaceAdmin> admin;
    private final Operations operations;

    DataResources(SyncService sync, ObjectMapper json, Optional<NamespaceAdmin> admin, Operations operations) {
        this.sync = sync;
        this.json = json;
        this.admin = admin;
        this.operations = operations;
    }

    private ImportExport transfer() {
        return new ImportExport(sync, json, operations);
    }

    /** {@code ?progress=true}: the answer streams {@code {"progress":…}} lines before its result (see {@link OperationLines}). */
    private static boolean withProgress(RestRequest request) {
        return "true".equals(request.query().get("progress"));
    }

    RestResponse handle(RestRequest request, String path) {
        if (path.equals("/v1/ns")) {
            if (request.method().equals("POST")) {
                return withJson(request, this::declare);
            }
            return RestRouter.get(request, this::namespaces);
        }
        if (path.equals("/v1/events")) {
            return RestRouter.get(request, () -> events(namespacesParam(request)));
        }
        if (path.equals("/v1/export")) {
            return RestRouter.get(request, () -> transfer().export(namespacesParam(request), withProgress(request)));
        }
        if (path.equals("/v1/import")) {
            if (!request.method().equals("POST")) {
                return RestResponse.error(405, "method_not_allowed", request.method() + " is not allowed here; use POST");
            }
            return withProgress(request) ? transfer().importWithProgress(request.body()) : transfer().importLines(request.body());
        }
        List<String> segments;
        try {
            segments = PathSegments.split(request.path().substring("/v1/ns/".length()));
        } catch (PathSegments.MalformedSegmentException e) {
            return RestResponse.error(400, "invalid_path", e.getMessage());
        }
        if (segments.size() > 2) {
            return RestResponse.error(404, "not_found", "no resource at /api" + request.path()
                    + ": the path is /v1/ns/{namespace}/{key}; a key containing '/' is sent percent-encoded as %2F");
        }
        String ns = segments.get(0);
        String key = segments.size() < 2 ? "" : segments.get(1);
        if (ns.isEmpty()) {
            return RestResponse.error(404, "not_found", "no namespace given");
        }
        if (segments.size() == 2 && key.isEmpty() && !request.method().equals("GET")) {
            return RestResponse.error(400, "invalid_key", "the key is empty; a key is a non-empty string");
        }
        if (key.isEmpty()) {
            if (request.method().equals("DELETE")) {
                return undeclare(ns);
            }
            return RestRouter.get(request, () -> keys(ns));
        }
        return switch (request.method()) {
            case "GET" -> value(ns, key);
            case "PUT" -> withJson(request, v -> {
                sync.put(ns, key, v);
                return stored(ns, key);
            });
            case "POST" -> withJson(request, intent -> {
                if (!intent.isObject() || !intent.path("op").isTextual()) {
                    return RestResponse.error(400, "invalid_intent", "an intent is a JSON object with an \"op\" field, e.g. {\"op\":\"increment\",\"by\":1}");
                }
                sync.mutate(ns, key, intent);
                return stored(ns, key);
            });
            case "DELETE" -> {
                sync.delete(ns, key);
                yield RestResponse.ok(entity(ns, key, Optional.empty()));
            }
            default -> RestResponse.error(405, "method_not_allowed", request.method() + " is not allowed here; use GET, PUT, POST or DELETE");
        };
    }

    private interface JsonHandler {
        RestResponse handle(JsonNode value);
    }

    private RestResponse withJson(RestRequest request, JsonHandler handler) {
        if (request.body().length == 0) {
            return RestResponse.error(400, "invalid_json", "the request body is empty; send a JSON value");
        }
        JsonNode value;
        try {
            value = json.readTree(request.body());
        } catch (com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
            return RestResponse.error(400, "invalid_value", "the request body is beyond what any write accepts (a value nests at most "
                    + "64 levels and is at most 1 MiB): " + oneLine(e));
        } catch (IOException e) {
            return RestResponse.error(400, "invalid_json", "the request body is not one valid JSON value: " + oneLine(e));
        }
        if (value == null || value.isMissingNode()) {
            return RestResponse.error(400, "invalid_json", "the request body is not valid JSON");
        }
        return handler.handle(value);
    }

    private RestResponse namespaces() {
        ObjectNode root = json.createObjectNode();
        ArrayNode arr = root.putArray("namespaces");
        for (NamespaceInfo n : sync.namespaces()) {
            ObjectNode o = arr.addObject();
            o.put("name", n.name());
            o.put("crdtType", n.crdtType());
            o.put("scope", n.scope().kind().id());
            n.scope().predicate().ifPresent(p -> o.put("predicate", p));
            n.aclClass().ifPresent(a -> o.put("aclClass", a));
            o.put("available", n.available());
            n.unavailableReason().ifPresent(r -> o.put("unavailableReason", r));
            n.warning().ifPresent(w -> o.put("warning", w));
        }
        return RestResponse.ok(root);
    }

    private RestResponse declare(JsonNode body) {
        io.rhizome.spi.namespace.NamespaceDefinition def;
        try {
            def = NamespaceAdmin.parse(body);
        } catch (IllegalArgumentException e) {
            return RestResponse.error(400, "invalid_namespace", e.getMessage());
        }
        try {
            sync.declare(def);
        } catch (SyncException e) {
            return e.reason() == SyncException.Reason.INVALID_VALUE ? RestResponse.error(400, "invalid_namespace", e.getMessage())
                    : SyncErrors.of(e);
        }
        return new RestResponse(201, namespaces().body(), "application/json", null);
    }

    private RestResponse undeclare(String ns) {
        boolean withdrawn;
        try {
            withdrawn = sync.undeclare(ns);
        } catch (SyncException e) {
            return SyncErrors.of(e);
        }
        boolean legacy = false;
        if (admin.isPresent()) {
            try {
                legacy = admin.get().removeLegacy(ns);
            } catch (IOException e) {
                return RestResponse.error(500, "storage", e.getMessage());
            } catch (IllegalArgumentException e) {
                return RestResponse.error(400, "invalid_namespace", e.getMessage());
            }
        }
        if (!withdrawn && !legacy) {
            return RestResponse.error(404, "not_declared", "namespace '" + ns + "' was not declared through the CLI or REST API");
        }
        return RestResponse.ok(namespaces().body());
    }

    private RestResponse keys(String ns) {
        ObjectNode root = json.createObjectNode();
        root.put("namespace", ns);
        ArrayNode arr = root.putArray("keys");
        sync.keys(ns).forEach(arr::add);
        return RestResponse.ok(root);
    }

    /**
     * The answer to a write the engine has made durable: its value read back. When that read fails
     * (the store failed right after this very commit, e.g. its data file could not grow on a full
     * disk while the commit was safe in the redo file), the answer is still a 200 that says the write
     * was stored and why its value is left out: an error would tell the caller to write it again,
     * doubling an increment or an insert.
     */
    private RestResponse stored(String ns, String key) {
        try {
            return value(ns, key);
        } catch (RuntimeException e) {
            ObjectNode o = json.createObjectNode();
            o.put("namespace", ns);
            o.put("key", key);
            o.put("stored", true);
            o.put("unreadable", "the write was stored (it is durable), but its value cannot be read back now: " + e.getMessage());
            return RestResponse.ok(o);
        }
    }

    private RestResponse value(String ns, String key) {
        Optional<JsonNode> v = sync.get(ns, key);
        if (v.isEmpty()) {
            if (sync.namespaces().stream().noneMatch(n -> n.name().equals(ns))) {
                return RestResponse.error(404, "unknown_namespace", "unknown namespace '" + ns + "': it is not declared and holds no data");
            }
            return new RestResponse(404, entity(ns, key, v), "application/json", null);
        }
        return RestResponse.ok(entity(ns, key, v));
    }

    private ObjectNode entity(String ns, String key, Optional<JsonNode> value) {
        ObjectNode o = json.createObjectNode();
        o.put("namespace", ns);
        o.put("key", key);
        o.set("value", value.orElse(null));
        return o;
    }

    private List<String> namespacesParam(RestRequest request) {
        String param = request.query().get("ns");
        if (param == null || param.isBlank()) {
            return List.of();
        }
        return Arrays.stream(param.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    // ------------------------------------------------------------------ events

    private RestResponse events(List<String> namespaces) {
        return RestResponse.stream("text/event-stream", out -> {
            BlockingQueue<Object> queue = new ArrayBlockingQueue<>(MAX_QUEUED_EVENTS);
            boolean[] overflow = new boolean[1];
            AutoCloseable registration = sync.addChangeListener(null, e -> {
                if ((namespaces.isEmpty() || namespaces.contains(e.namespace())) && !queue.offer(e)) {
                    overflow[0] = true;
                }
            });
            AutoCloseable streams = sync.addStreamListener(e -> {
                if ((namespaces.isEmpty() || namespaces.contains(e.namespace())) && !queue.offer(e)) {
                    overflow[0] = true;
                }
            });
            try {
                out.write(": rhizome change stream\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                while (true) {
                    Object next = queue.poll(HEARTBEAT_MILLIS, TimeUnit.MILLISECONDS);
                    if (overflow[0]) {
                        out.write("event: overflow\ndata: {\"message\":\"the client reads too slowly; reconnect\"}\n\n".getBytes(StandardCharsets.UTF_8));
                        out.flush();
                        return;
                    }
                    if (next == null) {
                        out.write(":\n\n".getBytes(StandardCharsets.UTF_8));
                    } else if (next instanceof StreamEvent se) {
                        out.write(streamEvent(se).getBytes(StandardCharsets.UTF_8));
                    } else {
                        ChangeEvent e = (ChangeEvent) next;
                        ObjectNode o = entity(e.namespace(), e.key(), sync.get(e.namespace(), e.key()));
                        o.put("origin", e.origin().name().toLowerCase(java.util.Locale.ROOT));
                        o.put("author", e.author());
                        out.write(("event: change\ndata: " + json.writeValueAsString(o) + "\n\n").getBytes(StandardCharsets.UTF_8));
                    }
                    out.flush();
                }
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            } finally {
                try {
                    registration.close();
                    streams.close();
                } catch (Exception ignored) {
                    // listener registrations close without failing
                }
            }
        });
    }

    /** {@code held-back} (with the reason) or {@code flowing} for a stream to or from a peer. */
    private String streamEvent(StreamEvent e) throws java.io.IOException {
        ObjectNode o = json.createObjectNode();
        o.put("peer", e.peerId());
        o.put("direction", e.direction().id());
        o.put("namespace", e.namespace());
        o.put("author", e.author());
        e.reason().ifPresent(r -> o.put("reason", r));
        return "event: " + (e.reason().isPresent() ? "held-back" : "flowing") + "\ndata: " + json.writeValueAsString(o) + "\n\n";
    }

    static String oneLine(Exception e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}

package io.rhizome.rest.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.api.BackupException;
import io.rhizome.api.BackupService;
import io.rhizome.spi.backup.BackupTarget;

/**
 * {@code POST /v1/backup} {@code {"dir"}} (take a snapshot), {@code POST /v1/backup/list},
 * {@code POST /v1/backup/verify} (same body), {@code POST /v1/backup/prune}
 * {@code {"dir","keep":{"last","hourly","daily","maxAge"}}} and {@code POST /v1/restore} {@code {"dir","words"}};
 * {@code "target":"gdrive:FOLDER"} (any {@link BackupService#target} form) in place of {@code dir}.
 * Without {@code dir} the node's configured target ({@code backup.to}) is used; without {@code keep},
 * its configured retention. With {@code "progress":true} a backup or restore answers JSON lines
 * ({@link BackupProgressLines}) instead of one JSON body. The words are never logged or echoed.
 */
final class BackupResources {

    private final Optional<BackupService> backups;
    private final ObjectMapper json;

    BackupResources(Optional<BackupService> backups, ObjectMapper json) {
        this.backups = backups;
        this.json = json;
    }

    /** A request refused before anything ran: its error answer. */
    private static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        final transient RestResponse response;

        Refused(RestResponse response) {
            super(null, null, false, false);
            this.response = response;
        }
    }

    @FunctionalInterface
    private interface Operation {
        JsonNode run(BackupService.Progress progress) throws BackupException;
    }

    RestResponse handle(RestRequest request, String path) {
        if (!"POST".equals(request.method())) {
            return RestResponse.error(405, "method_not_allowed", request.method() + " is not allowed here; use POST");
        }
        if (backups.isEmpty()) {
            return RestResponse.error(503, "unavailable", "no BackupService is running (install io.rhizome.backup;"
                    + " it needs the sync engine and io.rhizome.crypto.bc)");
        }
        JsonNode req;
        try {
            req = request.body().length == 0 ? json.createObjectNode() : json.readTree(request.body());
        } catch (IOException e) {
            return RestResponse.error(400, "invalid_json", "the request body is not JSON: " + e.getMessage());
        }
        if (req == null || !req.isObject()) {
            return RestResponse.error(400, "invalid_request", "send a JSON object, e.g. {\"dir\":\"/absolute/folder\"}");
        }
        BackupService service = backups.get();
        try {
            BackupTarget target = target(service, req);
            boolean progress = req.path("progress").asBoolean(false);
            switch (path) {
                case "/v1/backup":
                    return run(progress, p -> snapshot(service.backup(target, p)));
                case "/v1/backup/list":
                    return RestResponse.ok(list(service.list(target)));
                case "/v1/backup/verify":
                    return RestResponse.ok(list(service.verify(target, BackupService.Progress.NONE)));
                case "/v1/backup/prune":
                    BackupService.Retention retention = retention(service, req);
                    BackupService.Pruned pruned = service.prune(target, retention);
                    ObjectNode o = json.createObjectNode();
                    o.set("kept", list(pruned.kept()).path("snapshots"));
                    o.set("deleted", list(pruned.deleted()).path("snapshots"));
                    return RestResponse.ok(o);
                case "/v1/restore":
                    if (!req.path("words").isTextual()) {
                        return RestResponse.error(400, "invalid_request", "send {\"dir\":…,\"words\":\"the 24 words\"}");
                    }
                    List<String> words = List.of(req.path("words").asText().strip().split("\\s+"));
                    return run(progress, p -> {
                        BackupService.Restored r = service.restore(target, words, p);
                        ObjectNode ro = json.createObjectNode();
                        ro.put("snapshot", r.snapshot());
                        ro.put("snapshots", r.snapshots());
                        ro.put("changeSets", r.changeSets());
                        return ro;
                    });
                default:
                    return RestResponse.error(404, "not_found", "no resource at /api" + path);
            }
        } catch (Refused e) {
            return e.response;
        } catch (BackupException e) {
            return RestResponse.error(422, "backup_refused", e.getMessage());
        }
    }

    /** Runs {@code op} answering one JSON body, or JSON lines of progress ending in the result. */
    private RestResponse run(boolean progress, Operation op) throws BackupException {
        if (!progress) {
            return RestResponse.ok(op.run(BackupService.Progress.NONE));
        }
        return RestResponse.stream("application/x-ndjson", out -> {
            BackupProgressLines lines = new BackupProgressLines(json, out);
            ObjectNode last = json.createObjectNode();
            try {
                last.set("result", op.run(lines));
            } catch (BackupException e) {
                last.putObject("error").put("error", "backup_refused").put("message", RestResponse.wellFormed(e.getMessage()));
            }
            lines.finish();
            write(out, last);
        });
    }

    private void write(OutputStream out, JsonNode line) throws IOException {
        out.write((json.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static BackupTarget target(BackupService service, JsonNode req) throws Refused {
        JsonNode spec = req.path("target");
        if (!spec.isMissingNode() && !spec.isNull()) {
            if (!spec.isTextual() || spec.asText().isBlank()) {
                throw new Refused(RestResponse.error(400, "invalid_request",
                        "send {\"target\":\"gdrive:FOLDER\"} (or synced:/absolute/folder, /absolute/folder) naming the backup target"));
            }
            try {
                return service.target(spec.asText());
            } catch (IllegalArgumentException e) {
                throw new Refused(RestResponse.error(400, "invalid_request", e.getMessage()));
            }
        }
        if (req.path("dir").isMissingNode() || req.path("dir").isNull()) {
            try {
                return service.configuredTarget().orElseThrow(() -> new Refused(RestResponse.error(400, "invalid_request",
                        "name the backup folder ({\"dir\":\"/absolute/folder\"}, the CLI's --to DIR) or set backup.to in"
                                + " rhizome.properties")));
            } catch (IllegalArgumentException e) {
                throw new Refused(RestResponse.error(400, "invalid_request", "the configured backup.to cannot be used: " + e.getMessage()));
            }
        }
        if (!req.path("dir").isTextual() || req.path("dir").asText().isBlank()) {
            throw new Refused(RestResponse.error(400, "invalid_request", "send {\"dir\":\"/absolute/folder\"} naming the backup folder"));
        }
        Path dir;
        try {
            dir = Path.of(req.path("dir").asText());
        } catch (InvalidPathException e) {
            throw new Refused(RestResponse.error(400, "invalid_request", "'" + req.path("dir").asText() + "' is not a folder path: " + e.getReason()));
        }
        if (!dir.isAbsolute()) {
            throw new Refused(RestResponse.error(400, "invalid_request", "the backup folder must be an absolute path, got '" + dir + "'"));
        }
        return service.folder(dir);
    }

    private static BackupService.Retention retention(BackupService service, JsonNode req) throws Refused {
        JsonNode keep = req.path("keep");
        if (keep.isMissingNode() || keep.isNull()) {
            return service.configuredRetention().orElseThrow(() -> new Refused(RestResponse.error(400, "invalid_request",
                    "say what to keep ({\"keep\":{\"last\":N,\"hourly\":H,\"daily\":D}}, the CLI's --keep last=N,hourly=H,daily=D)"
                            + " or set backup.keep.last / backup.keep.hourly / backup.keep.daily in rhizome.properties")));
        }
        if (!keep.isObject()) {
            throw new Refused(RestResponse.error(400, "invalid_request", "keep must be an object {\"last\":N,\"hourly\":H,\"daily\":D}"));
        }
        var names = keep.fieldNames();
        java.time.Duration maxAge = java.time.Duration.ZERO;
        while (names.hasNext()) {
            String n = names.next();
            if (!List.of("last", "hourly", "daily", "maxAge").contains(n)) {
                throw new Refused(RestResponse.error(400, "invalid_request", "keep has no '" + n + "'; use last, hourly, daily and maxAge"));
            }
            if (n.equals("maxAge")) {
                maxAge = age(keep.path(n));
                continue;
            }
            if (!keep.path(n).canConvertToInt() || !keep.path(n).isIntegralNumber()) {
                throw new Refused(RestResponse.error(400, "invalid_request", "keep." + n + " must be a whole number, not " + keep.path(n)));
            }
        }
        try {
            // An age limit alone keeps everything younger than it (as backup.keep.maxAge alone does).
            int lastByDefault = keep.has("maxAge") && !keep.has("hourly") && !keep.has("daily") ? Integer.MAX_VALUE : 1;
            return new BackupService.Retention(keep.path("last").asInt(lastByDefault), keep.path("hourly").asInt(0),
                    keep.path("daily").asInt(0), maxAge);
        } catch (IllegalArgumentException e) {
            throw new Refused(RestResponse.error(400, "invalid_request", e.getMessage()));
        }
    }

    /** {@code "90d"}, {@code "12h"}, {@code "30m"}, {@code "45s"}: a whole number above 0 and a unit. */
    private static java.time.Duration age(JsonNode v) throws Refused {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]{1,6})([smhd])").matcher(v.isTextual() ? v.asText() : "");
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw new Refused(RestResponse.error(400, "invalid_request", "keep.maxAge must be a whole number of s, m, h or d above 0"
                    + " (e.g. \"90d\"), not " + v));
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> java.time.Duration.ofSeconds(n);
            case "m" -> java.time.Duration.ofMinutes(n);
            case "h" -> java.time.Duration.ofHours(n);
            default -> java.time.Duration.ofDays(n);
        };
    }

    private ObjectNode list(List<BackupService.Snapshot> snapshots) {
        ObjectNode o = json.createObjectNode();
        ArrayNode a = o.putArray("snapshots");
        snapshots.forEach(s -> a.add(snapshot(s)));
        return o;
    }

    private ObjectNode snapshot(BackupService.Snapshot s) {
        ObjectNode o = json.createObjectNode();
        o.put("id", s.id());
        s.previous().ifPresent(p -> o.put("previous", p));
        o.put("full", s.full());
        o.put("created", s.created().toString());
        o.put("changeSets", s.changeSets());
        o.put("chunks", s.chunks());
        o.put("bytes", s.bytes());
        return o;
    }

    /** The {@code backup} part of {@code GET /v1/status}: the last attempt and the last good one. */
    static ObjectNode status(BackupService service, ObjectMapper json) {
        ObjectNode o = json.createObjectNode();
        try {
            service.configuredTarget().ifPresent(t -> o.put("configuredTarget", t.describe()));
        } catch (IllegalArgumentException e) {
            o.put("configuredTargetProblem", e.getMessage()); // e.g. gdrive: not signed in yet
        }
        BackupService.BackupStatus s = service.status();
        s.last().ifPresent(a -> o.set("last", attempt(a, json)));
        s.lastGood().ifPresent(a -> o.set("lastGood", attempt(a, json)));
        return o;
    }

    private static ObjectNode attempt(BackupService.Attempt a, ObjectMapper json) {
        ObjectNode o = json.createObjectNode();
        o.put("at", a.at().toString());
        o.put("target", a.target());
        o.put("trigger", a.trigger());
        o.put("result", a.ok() ? "ok" : "failed");
        a.snapshot().ifPresent(v -> o.put("snapshot", v));
        a.error().ifPresent(v -> o.put("error", v));
        return o;
    }
}

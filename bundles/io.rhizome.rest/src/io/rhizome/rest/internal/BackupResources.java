package io.rhizome.rest.internal;

import java.io.IOException;
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

/**
 * {@code POST /v1/backup} {@code {"dir"}} (take a snapshot), {@code POST /v1/backup/list},
 * {@code POST /v1/backup/verify} (same body) and {@code POST /v1/restore} {@code {"dir","words"}}.
 * The words are never logged or echoed.
 */
final class BackupResources {

    private final Optional<BackupService> backups;
    private final ObjectMapper json;

    BackupResources(Optional<BackupService> backups, ObjectMapper json) {
        this.backups = backups;
        this.json = json;
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
        if (req == null || !req.path("dir").isTextual() || req.path("dir").asText().isBlank()) {
            return RestResponse.error(400, "invalid_request", "send {\"dir\":\"/absolute/folder\"} naming the backup folder");
        }
        Path dir;
        try {
            dir = Path.of(req.path("dir").asText());
        } catch (InvalidPathException e) {
            return RestResponse.error(400, "invalid_request", "'" + req.path("dir").asText() + "' is not a folder path: " + e.getReason());
        }
        if (!dir.isAbsolute()) {
            return RestResponse.error(400, "invalid_request", "the backup folder must be an absolute path, got '" + dir + "'");
        }
        BackupService service = backups.get();
        try {
            switch (path) {
                case "/v1/backup":
                    return RestResponse.ok(snapshot(service.backup(service.folder(dir), BackupService.Progress.NONE)));
                case "/v1/backup/list":
                    return RestResponse.ok(list(service.list(service.folder(dir))));
                case "/v1/backup/verify":
                    return RestResponse.ok(list(service.verify(service.folder(dir), BackupService.Progress.NONE)));
                case "/v1/restore":
                    if (!req.path("words").isTextual()) {
                        return RestResponse.error(400, "invalid_request", "send {\"dir\":…,\"words\":\"the 24 words\"}");
                    }
                    List<String> words = List.of(req.path("words").asText().strip().split("\\s+"));
                    BackupService.Restored r = service.restore(service.folder(dir), words, BackupService.Progress.NONE);
                    ObjectNode o = json.createObjectNode();
                    o.put("snapshot", r.snapshot());
                    o.put("snapshots", r.snapshots());
                    o.put("changeSets", r.changeSets());
                    return RestResponse.ok(o);
                default:
                    return RestResponse.error(404, "not_found", "no resource at /api" + path);
            }
        } catch (BackupException e) {
            return RestResponse.error(422, "backup_refused", e.getMessage());
        }
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
}

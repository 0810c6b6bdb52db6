package io.rhizome.backup.internal;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.api.BackupService.Attempt;
import io.rhizome.api.BackupService.BackupStatus;

/**
 * The last backup attempt and the last good one, kept in {@code <home>/backup-status.json} so that
 * {@code status} still knows them after a restart. Written to a temporary file and renamed, so a
 * crash leaves the previous status, never half of one; a file that cannot be read is reported and
 * treated as no status (it only describes backups, it is not one). Without a home (a host that
 * gives none) the status lives in memory only.
 */
final class StatusFile {

    private static final Logger LOG = LoggerFactory.getLogger(StatusFile.class);
    static final String NAME = "backup-status.json";

    private final Optional<Path> file;
    private final ObjectMapper json = new ObjectMapper();
    private volatile BackupStatus status;

    StatusFile(Optional<Path> home) {
        this.file = home.map(h -> h.resolve(NAME));
        this.status = load();
    }

    BackupStatus status() {
        return status;
    }

    synchronized void record(Attempt attempt) {
        BackupStatus next = new BackupStatus(Optional.of(attempt), attempt.ok() ? Optional.of(attempt) : status.lastGood());
        status = next;
        file.ifPresent(f -> save(f, next));
    }

    private BackupStatus load() {
        BackupStatus none = new BackupStatus(Optional.empty(), Optional.empty());
        if (file.isEmpty() || !Files.exists(file.get())) {
            return none;
        }
        try {
            JsonNode root = json.readTree(file.get().toFile());
            return new BackupStatus(attempt(root.path("last")), attempt(root.path("lastGood")));
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot read the backup status {} ({}); status shows no backup until the next one", file.get(), e.toString());
            return none;
        }
    }

    private static Optional<Attempt> attempt(JsonNode n) {
        if (!n.isObject()) {
            return Optional.empty();
        }
        return Optional.of(new Attempt(Instant.parse(n.path("at").asText()), n.path("target").asText(),
                n.path("trigger").asText(), text(n, "snapshot"), text(n, "error")));
    }

    private static Optional<String> text(JsonNode n, String field) {
        return n.path(field).isTextual() ? Optional.of(n.path(field).asText()) : Optional.empty();
    }

    private void save(Path f, BackupStatus s) {
        ObjectNode root = json.createObjectNode();
        s.last().ifPresent(a -> root.set("last", node(a)));
        s.lastGood().ifPresent(a -> root.set("lastGood", node(a)));
        Path tmp = f.resolveSibling(NAME + ".tmp");
        try {
            Files.write(tmp, json.writeValueAsBytes(root));
            try {
                Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            LOG.warn("cannot write the backup status {}: {}", f, e.toString());
        }
    }

    private ObjectNode node(Attempt a) {
        ObjectNode o = json.createObjectNode();
        o.put("at", a.at().toString());
        o.put("target", a.target());
        o.put("trigger", a.trigger());
        a.snapshot().ifPresent(v -> o.put("snapshot", v));
        a.error().ifPresent(v -> o.put("error", v));
        return o;
    }
}

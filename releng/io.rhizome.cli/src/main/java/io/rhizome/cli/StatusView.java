package io.rhizome.cli;

import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The human form of {@code GET /api/v1/status}. It shows everything that needs a person: a
 * revoked device and a clock problem first, the last error whenever the daemon reports one, and
 * every stream held back from or by a peer, so "synced" is never claimed when something waits.
 */
final class StatusView {

    private StatusView() {
    }

    static String render(JsonNode status) {
        StringBuilder b = new StringBuilder();
        JsonNode node = status.path("node");
        JsonNode sync = status.path("sync");
        line(b, "Rhizome node %s (pid %d), up %s", node.path("version").asText(), node.path("pid").asLong(),
                human(Duration.ofMillis(node.path("uptimeMillis").asLong())));
        text(sync, "revoked").ifPresent(r -> line(b, "REVOKED:  %s", r));
        text(sync, "clockProblem").ifPresent(c -> line(b, "CLOCK:    %s", c));
        JsonNode store = status.path("store");
        if (store.path("quarantined").asInt() > 0) {
            line(b, "STORE:    %d damaged record(s) found at this start, quarantined and never served (%d kept in quarantine)",
                    store.path("quarantined").asInt(), store.path("quarantineKept").asInt());
            for (JsonNode r : store.path("quarantineReports")) {
                line(b, "          %s", r.asText());
            }
        }
        line(b, "home:     %s", node.path("home").asText());
        JsonNode java = node.path("java");
        if (java.hasNonNull("version")) {
            line(b, "java:     %s (%s, %s)", java.path("version").asText(), java.path("vendor").asText(), java.path("home").asText());
        }
        line(b, "plugins:  %d", node.path("plugins").asInt());
        if (!sync.has("deviceId")) {
            line(b, "sync:     %s (%s)", sync.path("state").asText(), sync.path("reason").asText());
            return b.toString();
        }
        line(b, "device:   %s", sync.path("deviceId").asText());
        line(b, "sync:     %s, %d peer(s) connected, %d pending mutation(s)", sync.path("state").asText(),
                sync.path("connectedPeers").asInt(), sync.path("pendingMutations").asLong());
        line(b, "last sync: %s", text(sync, "lastSyncTime").orElse("never"));
        text(sync, "lastError").ifPresent(e -> line(b, "last error: %s", e));
        for (JsonNode p : sync.path("peers")) {
            peer(b, p);
        }
        backup(b, status.path("backup"));
        operations(b, status.path("operations"), status.path("pairing"));
        status.path("transports").fields().forEachRemaining(t -> {
            JsonNode tn = t.getValue();
            line(b, "%s:%s%s", t.getKey(), " ".repeat(Math.max(1, 9 - t.getKey().length())),
                    tn.has("peerId") ? "PeerId " + tn.path("peerId").asText() : "");
            for (JsonNode addr : tn.path("listenAddresses")) {
                line(b, "          listening on %s", addr.asText());
            }
        });
        return b.toString();
    }

    /** Running imports, exports and joins (finished ones only in --json), and the open or last pairing's stage. */
    private static void operations(StringBuilder b, JsonNode ops, JsonNode pairing) {
        for (JsonNode op : ops) {
            if (op.path("state").asText().equals("running")) {
                line(b, "%s:%s%s", op.path("kind").asText(), " ".repeat(Math.max(1, 9 - op.path("kind").asText().length())),
                        OperationProgress.statusLine(op));
            }
        }
        if (pairing.isObject()) {
            JsonNode c = pairing.path("catchUp");
            String catchUp = c.isObject() && pairing.path("stage").asText().equals("catching-up")
                    ? String.format(", %,d to receive, %,d to send", c.path("incoming").asLong(), c.path("outgoing").asLong()) : "";
            line(b, "pairing:  %s (invitation %s%s)%s", pairing.path("stage").asText(), pairing.path("state").asText(),
                    pairing.path("pairedWith").isTextual() ? ", joined by " + pairing.path("pairedWith").asText() : "", catchUp);
        }
    }

    /** The last good backup with its age, and the last attempt when it failed. */
    private static void backup(StringBuilder b, JsonNode backup) {
        if (backup.isMissingNode()) {
            return;
        }
        JsonNode good = backup.path("lastGood");
        if (good.isObject()) {
            line(b, "backup:   last good %s ago (%s, %s), snapshot %s to %s", age(good.path("at").asText()),
                    good.path("at").asText(), good.path("trigger").asText(), good.path("snapshot").asText(), good.path("target").asText());
        } else {
            line(b, "backup:   none yet%s", text(backup, "configuredTarget").map(t -> " (configured: " + t + ")").orElse(""));
        }
        JsonNode last = backup.path("last");
        if (last.isObject() && !"ok".equals(last.path("result").asText())) {
            line(b, "BACKUP FAILED %s (%s) to %s: %s", last.path("at").asText(), last.path("trigger").asText(),
                    last.path("target").asText(), last.path("error").asText());
        }
    }

    private static String age(String at) {
        try {
            return human(Duration.between(java.time.Instant.parse(at), java.time.Instant.now()));
        } catch (java.time.format.DateTimeParseException e) {
            return "?";
        }
    }

    private static void peer(StringBuilder b, JsonNode p) {
        String link = p.path("connected").asBoolean()
                ? "connected" + text(p, "transport").map(t -> " (" + t + text(p, "route").filter(r -> !r.equals(t)).map(r -> ", " + r).orElse("") + ")").orElse("")
                : "not connected";
        line(b, "peer:     %s: %s, last sync %s, %d pending", p.path("peerId").asText(), link,
                text(p, "lastSync").orElse("never"), p.path("pendingEvents").asLong());
        JsonNode g = p.path("progress");
        if (p.path("connected").asBoolean() && (g.path("incoming").asLong() > 0 || g.path("outgoing").asLong() > 0)) {
            line(b, "          catching up: %s", progress(g));
        }
        text(p, "lastSyncRoute").filter(r -> r.startsWith("cloud ") || r.startsWith("hub ")).ifPresent(r ->
                line(b, "          last synced through %s at %s", r, text(p, "lastCloudSync").orElse("?")));
        for (JsonNode h : p.path("heldBack")) {
            line(b, "          held back %s: %s from %s, change set %d on: %s (%s, since %s)",
                    h.path("direction").asText(), h.path("namespace").asText(), h.path("author").asText(),
                    h.path("seq").asLong(), h.path("reason").asText(), h.path("code").asText(), h.path("since").asText());
        }
    }

    /** {@code 1,200 to receive, 30 to send, 2.1 MB in / 40 KB out, ETA 12s} from a peer's progress. */
    static String progress(JsonNode g) {
        String eta = g.path("etaSeconds").isNumber() ? ", ETA " + human(Duration.ofSeconds(g.path("etaSeconds").asLong())) : "";
        // an estimate from the mean size of the change sets that crossed (see README, "Progress")
        String left = g.path("bytesLeftEstimate").asLong(0) > 0 ? ", about " + bytes(g.path("bytesLeftEstimate").asLong()) + " left" : "";
        return String.format("%,d to receive, %,d to send, %s in / %s out%s%s", g.path("incoming").asLong(), g.path("outgoing").asLong(),
                bytes(g.path("bytesReceived").asLong()), bytes(g.path("bytesSent").asLong()), left, eta);
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        if (n < 1024 * 1024) {
            return String.format("%.1f KB", n / 1024.0);
        }
        return String.format("%.1f MB", n / (1024.0 * 1024));
    }

    /** The text of {@code field}, empty when it is absent, null or blank. */
    static java.util.Optional<String> text(JsonNode n, String field) {
        JsonNode v = n.path(field);
        return v.isMissingNode() || v.isNull() || v.asText().isBlank() ? java.util.Optional.empty() : java.util.Optional.of(v.asText());
    }

    private static void line(StringBuilder b, String format, Object... args) {
        b.append(String.format(format, args)).append(System.lineSeparator());
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return (s / 60) + "m " + (s % 60) + "s";
        }
        return (s / 3600) + "h " + (s % 3600 / 60) + "m";
    }
}

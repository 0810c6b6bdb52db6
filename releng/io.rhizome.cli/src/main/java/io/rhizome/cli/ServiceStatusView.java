package io.rhizome.cli;

import com.fasterxml.jackson.databind.JsonNode;

/** The summaries of {@code hub.json} and {@code relay.json} that {@code rhizome hub|relay status} prints. */
final class ServiceStatusView {

    private ServiceStatusView() {
    }

    static String hub(JsonNode j) {
        StringBuilder b = new StringBuilder();
        line(b, "device", j.path("deviceId").asText("?") + (j.has("fingerprint") ? " (" + j.path("fingerprint").asText() + ")" : ""));
        addresses(b, j);
        line(b, "claimed", j.has("claimCode") ? "no; claim code " + j.path("claimCode").asText()
                + " (the first device: rhizome cloud add hub ADDRESS --code CODE)" : "yes");
        line(b, "members", j.path("members").asLong() + " (" + j.path("revoked").asLong() + " revoked)");
        line(b, "mesh keys", j.path("meshKeys").asLong() + (j.path("meshKeys").asLong() == 0 ? " (a hub holds none)" : ""));
        line(b, "store", j.path("store").path("kind").asText("?") + " " + j.path("store").path("location").asText(""));
        line(b, "files", j.path("files").asLong() + " (" + bytes(j.path("bytes").asLong()) + ")");
        line(b, "refused", j.path("refused").asLong() + " requests since start");
        return b.toString();
    }

    static String relay(JsonNode j) {
        StringBuilder b = new StringBuilder();
        line(b, "peer", j.path("peerId").asText("?"));
        addresses(b, j);
        JsonNode l = j.path("limits");
        if (j.has("reservations")) {
            line(b, "reservations", j.path("reservations").asLong() + " of " + l.path("maxReservations").asLong()
                    + " (each " + l.path("reservationTtlSeconds").asLong() + " s; " + j.path("refusedReservations").asLong() + " refused since start)");
            line(b, "circuits", j.path("circuits").asLong() + " of " + l.path("maxCircuits").asLong() + " (" + l.path("maxCircuitsPerPeer").asLong()
                    + " per peer; each " + limit(l.path("circuitDurationSeconds").asLong()) + ", "
                    + (l.path("circuitDataBytes").asLong() == 0 ? "no byte limit" : bytes(l.path("circuitDataBytes").asLong()) + " each way") + ")");
        } else {
            line(b, "counts", "not in relay.json (written by an older relay)");
        }
        return b.toString();
    }

    private static void addresses(StringBuilder b, JsonNode j) {
        JsonNode a = j.path("addresses");
        if (a.size() == 0) {
            line(b, "addresses", "none");
        }
        for (int i = 0; i < a.size(); i++) {
            line(b, i == 0 ? "addresses" : "", a.get(i).asText());
        }
    }

    private static String limit(long seconds) {
        return seconds == 0 ? "no time limit" : "at most " + seconds + " s";
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        if (n < 1024 * 1024) {
            return String.format(java.util.Locale.ROOT, "%.1f KiB", n / 1024.0);
        }
        return String.format(java.util.Locale.ROOT, "%.1f MiB", n / (1024.0 * 1024));
    }

    private static void line(StringBuilder b, String name, String value) {
        b.append(String.format(java.util.Locale.ROOT, "  %-13s %s%n", name, value));
    }
}

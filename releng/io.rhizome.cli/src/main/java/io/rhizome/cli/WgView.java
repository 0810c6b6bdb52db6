package io.rhizome.cli;

import com.fasterxml.jackson.databind.JsonNode;

/** {@code rhizome wg show}: the WireGuard part of the daemon's status, as {@code wg show} lays it out. */
final class WgView {

    private WgView() {
    }

    static String render(JsonNode status) {
        JsonNode wg = status.path("transports").path("wireguard");
        StringBuilder out = new StringBuilder();
        if (wg.isMissingNode()) {
            return "WireGuard is not running in this node (set wg.enabled=true in rhizome.properties; see the README's WireGuard section)\n";
        }
        if (!wg.path("available").asBoolean(false)) {
            return "WireGuard unavailable: " + wg.path("unavailable").asText("unknown reason") + "\n";
        }
        out.append("interface: ").append(wg.path("interface").asText()).append(wg.path("running").asBoolean() ? "" : " (not running)").append('\n');
        line(out, "public key", wg.path("publicKey"));
        line(out, "listening port", wg.path("udpPort"));
        line(out, "mesh", wg.path("meshId"));
        line(out, "address", wg.path("address"));
        for (JsonNode a : wg.path("listenAddresses")) {
            out.append("  sync listener: ").append(a.asText()).append('\n');
        }
        for (JsonNode p : wg.path("peers")) {
            out.append('\n').append("peer: ").append(p.path("publicKey").asText()).append('\n');
            line(out, "device", p.path("deviceId"));
            line(out, "address", p.path("address"));
            line(out, "from", p.path("source"));
            line(out, "endpoint", p.path("endpoint"));
            JsonNode age = p.path("handshakeAgeSeconds");
            out.append("  latest handshake: ").append(age.isMissingNode() ? "none yet" : age.asLong() + " s ago").append('\n');
            out.append("  transfer: ").append(p.path("rxBytes").asLong()).append(" B received, ").append(p.path("txBytes").asLong())
                    .append(" B sent\n");
        }
        for (JsonNode r : wg.path("revokedPeers")) {
            out.append('\n').append("revoked, peer removed: ").append(r.asText()).append('\n');
        }
        return out.toString();
    }

    private static void line(StringBuilder out, String label, JsonNode value) {
        if (!value.isMissingNode() && !value.isNull()) {
            out.append("  ").append(label).append(": ").append(value.asText()).append('\n');
        }
    }
}

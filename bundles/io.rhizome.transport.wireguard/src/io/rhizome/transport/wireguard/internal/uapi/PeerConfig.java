package io.rhizome.transport.wireguard.internal.uapi;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What this node tells its WireGuard interface about one peer. Applying it replaces the peer's
 * allowed IPs (never merges them), so an address that moved to another device stops being routed
 * to this one.
 *
 * @param publicKey the peer's Curve25519 public key
 * @param endpoint where to send its UDP packets; empty to let WireGuard learn it from the peer
 * @param allowedIps the tunnel addresses this peer may send from and is routed to
 * @param keepaliveSeconds persistent keepalive, 0 for none (1..65535 otherwise)
 */
public record PeerConfig(WgKey publicKey, Optional<InetSocketAddress> endpoint, List<AllowedIp> allowedIps, int keepaliveSeconds) {

    public PeerConfig {
        Objects.requireNonNull(publicKey, "publicKey");
        Objects.requireNonNull(endpoint, "endpoint");
        allowedIps = List.copyOf(allowedIps);
        if (keepaliveSeconds < 0 || keepaliveSeconds > 65_535) {
            throw new IllegalArgumentException("persistent keepalive is 0..65535 seconds, not " + keepaliveSeconds);
        }
    }

    /** The lines of a {@code set=1} operation for this peer. */
    List<String> uapiLines() {
        List<String> lines = new java.util.ArrayList<>();
        lines.add("public_key=" + publicKey.hex());
        endpoint.ifPresent(e -> lines.add("endpoint=" + UapiText.formatEndpoint(e)));
        lines.add("persistent_keepalive_interval=" + keepaliveSeconds);
        lines.add("replace_allowed_ips=true");
        for (AllowedIp ip : allowedIps) {
            lines.add("allowed_ip=" + ip);
        }
        return lines;
    }
}

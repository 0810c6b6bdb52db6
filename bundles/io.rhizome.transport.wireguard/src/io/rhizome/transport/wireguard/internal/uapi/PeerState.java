package io.rhizome.transport.wireguard.internal.uapi;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One peer as the WireGuard interface reports it ({@code get=1}).
 *
 * @param lastHandshake the last completed handshake, empty if none yet
 * @param rxBytes bytes received from the peer (WireGuard packets, including overhead)
 * @param txBytes bytes sent to the peer
 * @param endpoint where its packets come from now (WireGuard follows a roaming peer)
 */
public record PeerState(WgKey publicKey, Optional<InetSocketAddress> endpoint, Optional<Instant> lastHandshake,
        long rxBytes, long txBytes, int keepaliveSeconds, List<AllowedIp> allowedIps) {

    public PeerState {
        allowedIps = List.copyOf(allowedIps);
    }
}

package io.rhizome.transport.wireguard.internal.uapi;

import java.util.List;
import java.util.Optional;

/**
 * A WireGuard interface as it reports itself ({@code get=1}). The private key is deliberately not
 * kept: only its public half, so a state can be logged and shown.
 */
public record DeviceState(Optional<WgKey> publicKey, int listenPort, List<PeerState> peers) {

    public DeviceState {
        peers = List.copyOf(peers);
    }

    public Optional<PeerState> peer(WgKey publicKey) {
        return peers.stream().filter(p -> p.publicKey().equals(publicKey)).findFirst();
    }
}

package io.rhizome.api;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What a node knows about one peer device.
 *
 * @param peerId      the peer's device id (the libp2p PeerId text form where libp2p is used)
 * @param connected   whether a live connection to it exists now
 * @param transport   the {@code transport.kind} of the live connection, empty when not connected
 * @param lastSeen    when a message from it last arrived, empty if never
 * @param pendingEvents events this node holds that the peer has not acknowledged yet
 * @since 0.1
 */
public record PeerStatus(String peerId, boolean connected, Optional<String> transport,
                         Optional<Instant> lastSeen, long pendingEvents) {
    public PeerStatus {
        Objects.requireNonNull(peerId, "peerId");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(lastSeen, "lastSeen");
    }
}

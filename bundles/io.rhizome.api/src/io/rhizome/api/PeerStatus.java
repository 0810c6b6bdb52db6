package io.rhizome.api;

import java.time.Instant;
import java.util.List;
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
 *                    (namespaces that sync to it only; local-only namespaces never count)
 * @param lastSync    when an exchange with it last completed (a catch-up or a live batch
 *                    acknowledged), empty if never
 * @param heldBack    streams that do not flow to or from it because one side refused them
 * @param progress    how far this node is from being caught up with it ({@link SyncProgress#NONE}
 *                    when not connected); added after 0.1's first form, whose constructor stays
 * @since 0.1
 */
public record PeerStatus(String peerId, boolean connected, Optional<String> transport,
                         Optional<Instant> lastSeen, long pendingEvents, Optional<Instant> lastSync,
                         List<HeldBack> heldBack, SyncProgress progress) {
    public PeerStatus {
        Objects.requireNonNull(progress, "progress");
        Objects.requireNonNull(peerId, "peerId");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(lastSeen, "lastSeen");
        Objects.requireNonNull(lastSync, "lastSync");
        heldBack = List.copyOf(heldBack);
    }

    /** Without progress (the record's first form). */
    public PeerStatus(String peerId, boolean connected, Optional<String> transport, Optional<Instant> lastSeen, long pendingEvents,
            Optional<Instant> lastSync, List<HeldBack> heldBack) {
        this(peerId, connected, transport, lastSeen, pendingEvents, lastSync, heldBack, SyncProgress.NONE);
    }

    /** A peer with nothing held back and no completed exchange. */
    public PeerStatus(String peerId, boolean connected, Optional<String> transport, Optional<Instant> lastSeen, long pendingEvents) {
        this(peerId, connected, transport, lastSeen, pendingEvents, Optional.empty(), List.of());
    }
}

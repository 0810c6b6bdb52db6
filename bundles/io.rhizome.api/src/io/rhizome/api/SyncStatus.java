package io.rhizome.api;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A snapshot of a node's synchronisation status. Every field is always present, also when there
 * is nothing to report (an empty list, zero, {@link Optional#empty()}).
 *
 * @param deviceId         this node's device id
 * @param state            the coarse state
 * @param online           whether at least one transport is active
 * @param lastSyncTime     when a sync with any peer last completed
 * @param pendingMutations local events not yet acknowledged by every known peer
 * @param connectedPeers   how many peers are connected now
 * @param peers            per-peer detail
 * @param lastError        the last error of the past minute (any state)
 * @param clockProblem     set when peers refused this node's change sets because its clock is
 *                         beyond the drift limit, with what to do; new writes are refused meanwhile
 * @param revoked          set when a peer told this node that it was revoked from the mesh: it no
 *                         longer dials its former peers
 * @since 0.1
 */
public record SyncStatus(String deviceId, SyncState state, boolean online, Optional<Instant> lastSyncTime,
                         long pendingMutations, int connectedPeers, List<PeerStatus> peers,
                         Optional<String> lastError, Optional<String> clockProblem, Optional<String> revoked) {
    public SyncStatus {
        Objects.requireNonNull(deviceId, "deviceId");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(lastSyncTime, "lastSyncTime");
        Objects.requireNonNull(lastError, "lastError");
        Objects.requireNonNull(clockProblem, "clockProblem");
        Objects.requireNonNull(revoked, "revoked");
        peers = List.copyOf(peers);
    }

    /** A status without clock problem and not revoked. */
    public SyncStatus(String deviceId, SyncState state, boolean online, Optional<Instant> lastSyncTime, long pendingMutations,
            int connectedPeers, List<PeerStatus> peers, Optional<String> lastError) {
        this(deviceId, state, online, lastSyncTime, pendingMutations, connectedPeers, peers, lastError, Optional.empty(),
                Optional.empty());
    }
}

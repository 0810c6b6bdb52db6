package io.rhizome.api;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How far this node is from being caught up with one connected peer: what is left in each
 * direction, what has crossed on the current link, and when it should be done at the recent pace.
 *
 * @param incoming           change sets the peer said it holds that this node lacks and would take
 *                           (streams held back, local-only namespaces and those the policy refuses
 *                           do not count)
 * @param outgoing           change sets this node holds that the peer lacks ({@link PeerStatus#pendingEvents()})
 * @param changeSetsReceived change sets received on the current link
 * @param changeSetsSent     change sets sent on the current link
 * @param bytesReceived      protocol bytes received on the current link
 * @param bytesSent          protocol bytes sent on the current link
 * @param peerStateKnown     whether the peer has said what it holds on this link yet (until then
 *                           {@code incoming} is not known and the node is not caught up)
 * @param eta                time left at the pace of the last seconds; empty when nothing is left
 *                           or nothing moved lately
 * @since 0.1
 */
public record SyncProgress(long incoming, long outgoing, long changeSetsReceived, long changeSetsSent, long bytesReceived,
        long bytesSent, boolean peerStateKnown, Optional<Duration> eta) {

    /** No link: nothing known. */
    public static final SyncProgress NONE = new SyncProgress(0, 0, 0, 0, 0, 0, false, Optional.empty());

    public SyncProgress {
        Objects.requireNonNull(eta, "eta");
    }

    /** Whether nothing is left in either direction (and the peer said what it holds). */
    public boolean caughtUp() {
        return peerStateKnown && incoming == 0 && outgoing == 0;
    }
}

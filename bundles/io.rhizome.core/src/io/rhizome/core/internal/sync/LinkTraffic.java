package io.rhizome.core.internal.sync;

import java.util.concurrent.atomic.AtomicLong;

import io.rhizome.api.SyncProgress;

/**
 * What one {@link PeerSession} moved, each way, and at what pace: the counters of its
 * {@link SyncProgress}. Counted on the session's serial executor (bytes received on the link's
 * thread); read from any thread.
 */
final class LinkTraffic {

    private final AtomicLong batchesSent = new AtomicLong();
    private final AtomicLong changeSetsSent = new AtomicLong();
    private final AtomicLong changeSetsReceived = new AtomicLong();
    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicLong bytesReceived = new AtomicLong();
    private final RateMeter pace = new RateMeter();

    void batchSent(int changeSets) {
        batchesSent.incrementAndGet();
        changeSetsSent.addAndGet(changeSets);
    }

    void bytesSent(int bytes) {
        bytesSent.addAndGet(bytes);
    }

    void batchReceived(int changeSets) {
        changeSetsReceived.addAndGet(changeSets);
    }

    void bytesReceived(int bytes) {
        bytesReceived.addAndGet(bytes);
    }

    long batchesSent() {
        return batchesSent.get();
    }

    /** Change sets, in both directions, moved so far. */
    long changeSetsMoved() {
        return changeSetsSent.get() + changeSetsReceived.get();
    }

    /**
     * The counters and the time left for {@code incoming + outgoing} change sets at the recent pace
     * (sampled now).
     */
    SyncProgress progress(long incoming, long outgoing, boolean peerStateKnown, long nowMillis) {
        pace.sample(nowMillis, changeSetsMoved());
        return new SyncProgress(incoming, outgoing, changeSetsReceived.get(), changeSetsSent.get(), bytesReceived.get(),
                bytesSent.get(), peerStateKnown, pace.eta(incoming + outgoing));
    }
}

package io.rhizome.transport.libp2p.internal.yamux;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** The pings of one session still waiting for their answer, by opaque value. Event loop only. */
final class YamuxPings {

    private final Map<Integer, CompletableFuture<Long>> pending = new HashMap<>();
    private final Map<Integer, Long> starts = new HashMap<>();
    private int nextOpaque = 1;

    /** Records a ping about to be sent; returns its opaque value. */
    int start(CompletableFuture<Long> roundTripNanos) {
        int opaque = nextOpaque++;
        pending.put(opaque, roundTripNanos);
        starts.put(opaque, System.nanoTime());
        return opaque;
    }

    /** The answer to {@code opaque} arrived; an unknown one (never sent, or answered twice) is ignored. */
    void answered(int opaque) {
        CompletableFuture<Long> f = pending.remove(opaque);
        Long start = starts.remove(opaque);
        if (f != null) {
            f.complete(System.nanoTime() - start);
        }
    }

    /** The session ended: every waiting ping fails with {@code cause}. */
    void failAll(Throwable cause) {
        for (CompletableFuture<Long> f : pending.values()) {
            f.completeExceptionally(cause);
        }
        pending.clear();
        starts.clear();
    }
}

package io.rhizome.transport.cloud;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * Which streams a reader refused, read from its manifest, and when they are due to be written for
 * it again: one wait after the refusal, then twice as long each time they stay refused (up to 64
 * waits), as a live link retries held-back streams. Not thread-safe: used within a round.
 */
final class Resends {

    /** When the refused streams of one reader go out again, and the wait after that. */
    private record Next(long atMillis, long waitMillis) {
    }

    private final long firstWaitMillis;
    private final LongSupplier clock;
    private final Map<String, Next> next = new HashMap<>();

    Resends(long firstWaitMillis, LongSupplier clock) {
        this.firstWaitMillis = firstWaitMillis;
        this.clock = clock;
    }

    /**
     * The streams the reader holds less of than the batches written for it carried, although it
     * applied all of them (its manifest read up to the last one): stream → what it really holds.
     */
    static Map<String, Long> refusedBy(Manifest theirs, String myFolder, Manifest.Channel at) {
        Map<String, Long> out = new TreeMap<>();
        if (at.seq() == 0 || theirs.readOf(myFolder) < at.seq()) {
            return out;
        }
        at.peerHas().forEach((stream, claimed) -> {
            long held = theirs.versions().getOrDefault(stream, 0L);
            if (held < claimed) {
                out.put(stream, held);
            }
        });
        return out;
    }

    /** The reader holds everything written for it: the next refusal starts with the first wait again. */
    void accepted(String reader) {
        next.remove(reader);
    }

    /** Whether the reader's refused streams are to be written again now. */
    boolean due(String reader) {
        long now = clock.getAsLong();
        Next n = next.get(reader);
        if (n == null) {
            // Just refused: the cause is rarely gone at once; the first try is one wait later.
            next.put(reader, new Next(now + firstWaitMillis, firstWaitMillis));
            return firstWaitMillis == 0;
        }
        if (now < n.atMillis()) {
            return false;
        }
        long wait = Math.min(Math.max(1, n.waitMillis() * 2), Math.max(1, firstWaitMillis * 64));
        next.put(reader, new Next(now + wait, wait));
        return true;
    }
}

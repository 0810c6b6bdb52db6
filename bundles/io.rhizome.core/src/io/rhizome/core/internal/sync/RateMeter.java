package io.rhizome.core.internal.sync;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Optional;

/**
 * The pace of a transfer over the last {@link #WINDOW_MILLIS}, from samples of a growing total
 * (change sets moved so far), and the time left for a remaining amount at that pace. A window
 * rather than the average since the start: a link that stalled and resumed should not promise the
 * old pace. Thread-safe.
 */
final class RateMeter {

    static final long WINDOW_MILLIS = 10_000;
    private static final int MAX_SAMPLES = 256;

    private record Sample(long atMillis, long total) {
    }

    private final ArrayDeque<Sample> samples = new ArrayDeque<>();

    synchronized void sample(long nowMillis, long total) {
        Sample last = samples.peekLast();
        if (last != null && (total < last.total() || nowMillis < last.atMillis())) {
            samples.clear(); // a new link counts from zero again
        }
        samples.addLast(new Sample(nowMillis, total));
        while (samples.size() > MAX_SAMPLES || samples.size() > 2 && nowMillis - samples.peekFirst().atMillis() > WINDOW_MILLIS) {
            samples.removeFirst();
        }
    }

    /** Time left for {@code remaining} at the recent pace; empty when nothing is left or nothing moved. */
    synchronized Optional<Duration> eta(long remaining) {
        if (remaining <= 0 || samples.size() < 2) {
            return Optional.empty();
        }
        Sample first = samples.peekFirst();
        Sample last = samples.peekLast();
        long moved = last.total() - first.total();
        long millis = last.atMillis() - first.atMillis();
        if (moved <= 0 || millis <= 0) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofMillis(Math.max(1, (long) Math.ceil((double) remaining * millis / moved))));
    }
}

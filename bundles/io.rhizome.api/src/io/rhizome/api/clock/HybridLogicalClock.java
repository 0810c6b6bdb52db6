package io.rhizome.api.clock;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A hybrid logical clock (Kulkarni et al., 2014) with bounded drift: timestamps never go backwards,
 * stay close to the wall clock, and a remote timestamp too far in the future is rejected instead
 * of dragging this clock along.
 *
 * <p>Thread-safe and lock-free. One instance per node; the engine owns it and hands it to
 * whoever needs timestamps.
 *
 * @since 0.1
 */
public final class HybridLogicalClock {

    private final LongSupplier wallClock;
    private final long maxDriftMillis;
    private final AtomicLong last = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();

    /**
     * @param wallClock      source of wall-clock milliseconds (for example {@code System::currentTimeMillis})
     * @param maxDriftMillis how far ahead of the local wall clock a remote timestamp may be
     */
    public HybridLogicalClock(LongSupplier wallClock, long maxDriftMillis) {
        this.wallClock = Objects.requireNonNull(wallClock, "wallClock");
        if (maxDriftMillis < 0) {
            throw new IllegalArgumentException("maxDriftMillis must not be negative");
        }
        this.maxDriftMillis = maxDriftMillis;
    }

    /** A timestamp for a local event, greater than every timestamp this clock returned or saw. */
    public HlcTimestamp now() {
        long wall = wallClock.getAsLong() << 16;
        while (true) {
            long prev = last.get();
            long next = wall > prev ? wall : prev + 1;
            if (last.compareAndSet(prev, next)) {
                return HlcTimestamp.unpack(next);
            }
        }
    }

    /**
     * Takes a remote timestamp into account, so that later local timestamps are greater than it.
     *
     * @throws ClockDriftException if the remote timestamp is more than the allowed drift ahead of
     *                             the local wall clock; the clock is then unchanged
     */
    public HlcTimestamp observe(HlcTimestamp remote) throws ClockDriftException {
        long wallNow = wallClock.getAsLong();
        long drift = remote.wallMillis() - wallNow;
        if (drift > maxDriftMillis) {
            rejected.incrementAndGet();
            throw new ClockDriftException(drift, maxDriftMillis);
        }
        long wall = wallNow << 16;
        long remotePacked = remote.pack();
        while (true) {
            long prev = last.get();
            long next = Math.max(wall, Math.max(prev, remotePacked) + 1);
            if (last.compareAndSet(prev, next)) {
                return HlcTimestamp.unpack(next);
            }
        }
    }

    /** How many remote timestamps were rejected for drift since this clock was created. */
    public long rejectedCount() {
        return rejected.get();
    }

    /** The greatest timestamp issued or observed so far. */
    public HlcTimestamp last() {
        return HlcTimestamp.unpack(last.get());
    }
}

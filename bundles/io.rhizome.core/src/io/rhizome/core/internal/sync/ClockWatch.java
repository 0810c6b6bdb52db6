package io.rhizome.core.internal.sync;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import io.rhizome.api.clock.HybridLogicalClock;

/**
 * What this node learns about its clock from its peers. Every hello and ack carries the sender's
 * wall clock; from it this node estimates each peer's clock now (on the monotonic clock, so a
 * corrected wall clock here does not spoil the estimate) and compares it with the timestamp its
 * next write would get — the hybrid logical clock's, which never goes back.
 *
 * <p>A peer refuses change sets stamped more than the drift limit ahead of its clock. If that is
 * what this node's next stamp would be for most peers heard from in the last hour (a strict
 * majority; the only one, with one peer), writes are refused here with a sentence, instead of being
 * acknowledged and then refused by the mesh. A peer whose clock alone is off does not stop the
 * others: with three devices, one slow clock is one of two peers.
 *
 * <p>Thread-safe.
 */
public final class ClockWatch {

    static final long FRESH_NANOS = Duration.ofHours(1).toNanos();

    private record Observation(long peerWallMillis, long atNanos) {
    }

    private final HybridLogicalClock hlc;
    private final long maxDriftMillis;
    private final LongSupplier wall;
    private final LongSupplier nanos;
    private final Map<String, Observation> peers = new ConcurrentHashMap<>();

    public ClockWatch(HybridLogicalClock hlc, long maxDriftMillis) {
        this(hlc, maxDriftMillis, System::currentTimeMillis, System::nanoTime);
    }

    ClockWatch(HybridLogicalClock hlc, long maxDriftMillis, LongSupplier wall, LongSupplier nanos) {
        this.hlc = hlc;
        this.maxDriftMillis = maxDriftMillis;
        this.wall = wall;
        this.nanos = nanos;
    }

    /** A peer said its wall clock is {@code peerWallMillis} now (null: it did not say). */
    public void observe(String peerId, Long peerWallMillis) {
        if (peerWallMillis != null && peerWallMillis > 0) {
            peers.put(peerId, new Observation(peerWallMillis, nanos.getAsLong()));
        }
    }

    public void forget(String peerId) {
        peers.remove(peerId);
    }

    /** Why this node must not stamp writes now, if so (see the class comment). */
    public Optional<String> writeBlock() {
        long nowNanos = nanos.getAsLong();
        long stamp = Math.max(wall.getAsLong(), hlc.last().wallMillis());
        int fresh = 0;
        int refusing = 0;
        long worstAhead = 0;
        String worstPeer = null;
        for (Map.Entry<String, Observation> e : peers.entrySet()) {
            Observation o = e.getValue();
            long age = nowNanos - o.atNanos();
            if (age > FRESH_NANOS) {
                continue;
            }
            fresh++;
            long peerNow = o.peerWallMillis() + age / 1_000_000;
            long ahead = stamp - peerNow;
            if (ahead > maxDriftMillis) {
                refusing++;
                if (ahead > worstAhead) {
                    worstAhead = ahead;
                    worstPeer = e.getKey();
                }
            }
        }
        if (fresh == 0 || refusing * 2 <= fresh) {
            return Optional.empty();
        }
        return Optional.of("this device's clock is " + seconds(worstAhead) + " ahead of " + (fresh == 1 ? "its peer " : refusing
                + " of its " + fresh + " peers (e.g. ") + worstPeer + (fresh == 1 ? "" : ")") + ", more than the "
                + seconds(maxDriftMillis) + " drift limit: peers refuse change sets stamped that far ahead, so writes are refused"
                + " here until its timestamps are within the limit. Fix the clock (the device's timestamps never go back, so"
                + " after a correction writes resume once real time reaches the last timestamp used, or after a restart)");
    }

    /** Why peers' change sets are refused here because this node's clock is behind theirs, if so. */
    public Optional<String> behind() {
        long nowNanos = nanos.getAsLong();
        long here = wall.getAsLong();
        int fresh = 0;
        int ahead = 0;
        long worst = 0;
        for (Observation o : peers.values()) {
            long age = nowNanos - o.atNanos();
            if (age > FRESH_NANOS) {
                continue;
            }
            fresh++;
            long diff = o.peerWallMillis() + age / 1_000_000 - here;
            if (diff > maxDriftMillis) {
                ahead++;
                worst = Math.max(worst, diff);
            }
        }
        if (fresh == 0 || ahead * 2 <= fresh) {
            return Optional.empty();
        }
        return Optional.of("this device's clock is " + seconds(worst) + " behind its peers', more than the " + seconds(maxDriftMillis)
                + " drift limit: their change sets are refused here until its clock is fixed");
    }

    private static String seconds(long millis) {
        return Duration.ofMillis(millis).toSeconds() + " s";
    }
}

package io.rhizome.api.clock;

/**
 * A remote timestamp is further in the future than the clock accepts. The event carrying it must
 * not be applied; the sender's clock is wrong (or the sender is hostile).
 *
 * @since 0.1
 */
public class ClockDriftException extends Exception {
    private static final long serialVersionUID = 1L;
    private final long driftMillis;

    public ClockDriftException(long driftMillis, long maxDriftMillis) {
        super("remote clock is " + driftMillis + " ms ahead of ours; at most " + maxDriftMillis + " ms is accepted");
        this.driftMillis = driftMillis;
    }

    /** How far ahead of the local wall clock the rejected timestamp was. */
    public long driftMillis() {
        return driftMillis;
    }
}

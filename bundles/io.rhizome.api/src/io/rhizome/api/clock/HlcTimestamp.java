package io.rhizome.api.clock;

/**
 * A hybrid-logical-clock timestamp: wall-clock milliseconds plus a logical counter that orders
 * events within the same millisecond. Totally ordered together with a device id tie-break (see
 * {@link #compareWithTieBreak}).
 *
 * <p>Packs into one {@code long} ({@link #pack()}): 48 bits of milliseconds (enough until the year
 * 10889) and 16 bits of counter.
 *
 * @param wallMillis milliseconds since the epoch, {@code 0 <= wallMillis < 2^48}
 * @param counter    logical counter, {@code 0 <= counter <= 65535}
 * @since 0.1
 */
public record HlcTimestamp(long wallMillis, int counter) implements Comparable<HlcTimestamp> {

    public static final long MAX_WALL_MILLIS = (1L << 48) - 1;
    public static final int MAX_COUNTER = 0xFFFF;
    public static final HlcTimestamp ZERO = new HlcTimestamp(0, 0);

    public HlcTimestamp {
        if (wallMillis < 0 || wallMillis > MAX_WALL_MILLIS) {
            throw new IllegalArgumentException("HLC wall time out of range: " + wallMillis);
        }
        if (counter < 0 || counter > MAX_COUNTER) {
            throw new IllegalArgumentException("HLC counter out of range: " + counter);
        }
    }

    /** This timestamp as one {@code long} whose natural order equals the timestamp order. */
    public long pack() {
        return (wallMillis << 16) | counter;
    }

    /** The inverse of {@link #pack()}. */
    public static HlcTimestamp unpack(long packed) {
        if (packed < 0) {
            throw new IllegalArgumentException("packed HLC timestamp is negative: " + packed);
        }
        return new HlcTimestamp(packed >>> 16, (int) (packed & 0xFFFF));
    }

    @Override
    public int compareTo(HlcTimestamp o) {
        return Long.compare(pack(), o.pack());
    }

    /**
     * Last-writer-wins order: by timestamp, then by device id (lexicographic), so that two devices
     * writing in the same millisecond with the same counter still agree on one winner.
     */
    public static int compareWithTieBreak(HlcTimestamp a, String deviceA, HlcTimestamp b, String deviceB) {
        int c = a.compareTo(b);
        return c != 0 ? c : deviceA.compareTo(deviceB);
    }

    @Override
    public String toString() {
        return wallMillis + "." + counter;
    }
}

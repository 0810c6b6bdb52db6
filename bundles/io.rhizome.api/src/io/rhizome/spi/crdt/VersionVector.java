package io.rhizome.spi.crdt;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * An immutable version vector: for each replica id, how many of its operations have been seen
 * (operations of one replica are numbered 1, 2, 3...). Absent ids count as zero.
 *
 * @since 0.1
 */
public final class VersionVector {

    public static final VersionVector EMPTY = new VersionVector(Map.of());

    private final Map<String, Long> counters;

    private VersionVector(Map<String, Long> counters) {
        this.counters = counters;
    }

    /** A vector from a map; zero entries are dropped, negative ones rejected. */
    public static VersionVector of(Map<String, Long> counters) {
        TreeMap<String, Long> copy = new TreeMap<>();
        counters.forEach((id, n) -> {
            Objects.requireNonNull(id, "replica id");
            if (n < 0) {
                throw new IllegalArgumentException("negative counter for " + id + ": " + n);
            }
            if (n > 0) {
                copy.put(id, n);
            }
        });
        return new VersionVector(Collections.unmodifiableMap(copy));
    }

    /** How many operations of {@code replicaId} this vector covers. */
    public long get(String replicaId) {
        return counters.getOrDefault(replicaId, 0L);
    }

    /** The entries, sorted by replica id, without zeros. */
    public Map<String, Long> asMap() {
        return counters;
    }

    /** A vector with {@code replicaId} set to {@code counter}. */
    public VersionVector with(String replicaId, long counter) {
        TreeMap<String, Long> copy = new TreeMap<>(counters);
        copy.put(replicaId, counter);
        return of(copy);
    }

    /** The entry-wise maximum of this and {@code other}. */
    public VersionVector merge(VersionVector other) {
        TreeMap<String, Long> copy = new TreeMap<>(counters);
        other.counters.forEach((id, n) -> copy.merge(id, n, Math::max));
        return new VersionVector(Collections.unmodifiableMap(copy));
    }

    /** The entry-wise minimum of this and {@code other} (what both have seen). */
    public VersionVector meet(VersionVector other) {
        TreeMap<String, Long> copy = new TreeMap<>();
        counters.forEach((id, n) -> {
            long m = Math.min(n, other.get(id));
            if (m > 0) {
                copy.put(id, m);
            }
        });
        return new VersionVector(Collections.unmodifiableMap(copy));
    }

    /** Whether this vector has seen everything {@code other} has. */
    public boolean dominates(VersionVector other) {
        for (Map.Entry<String, Long> e : other.counters.entrySet()) {
            if (get(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VersionVector v && v.counters.equals(counters);
    }

    @Override
    public int hashCode() {
        return counters.hashCode();
    }

    @Override
    public String toString() {
        return counters.toString();
    }
}

package io.rhizome.core.internal.sync;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import io.rhizome.spi.policy.TrustedDevices;
import io.rhizome.spi.policy.TrustedDevices.DeviceAddress;

/**
 * Decides whom to dial where, and when. The candidates are every device this node was connected to
 * (its peer records) and every trusted device at the addresses it announced, so two members of a
 * mesh sync directly even if they never met before. Each (device, address) pair has its own
 * exponential back-off, from {@link #FIRST_BACKOFF_MILLIS} doubling to {@link #MAX_BACKOFF_MILLIS};
 * a link made resets it. The caller asks at most once per device per round, so the dial rate is
 * bounded by the round interval and the back-offs, never a tight loop. Thread-safe.
 */
final class Dialler {

    static final long FIRST_BACKOFF_MILLIS = 2_000;
    static final long MAX_BACKOFF_MILLIS = 60_000;

    private record Key(String deviceId, DeviceAddress address) {
    }

    private record Backoff(long nextAt, long delay) {
    }

    private final LongSupplier clock;
    private final Map<Key, Backoff> backoffs = new ConcurrentHashMap<>();

    Dialler(LongSupplier clock) {
        this.clock = clock;
    }

    /**
     * Every device worth dialling with its addresses, best first: what the trust service says the
     * device announced (the freshest), then addresses this node reached it at before.
     */
    static Map<String, List<DeviceAddress>> candidates(Collection<PeerRecord> known, TrustedDevices trusted) {
        Map<String, LinkedHashSet<DeviceAddress>> out = new LinkedHashMap<>();
        for (String id : trusted.trustedDeviceIds()) {
            out.computeIfAbsent(id, k -> new LinkedHashSet<>()).addAll(trusted.addresses(id));
        }
        for (PeerRecord r : known) {
            LinkedHashSet<DeviceAddress> set = out.computeIfAbsent(r.peerId(), k -> new LinkedHashSet<>());
            for (PeerRecord.Address a : r.addresses()) {
                set.add(new DeviceAddress(a.kind(), a.address()));
            }
        }
        Map<String, List<DeviceAddress>> lists = new LinkedHashMap<>();
        out.forEach((id, set) -> {
            if (!set.isEmpty()) {
                lists.put(id, new ArrayList<>(set));
            }
        });
        return lists;
    }

    /**
     * The address of {@code addresses} to dial now, or empty if every one is backing off: the first
     * one not tried yet, else the one whose back-off ended longest ago (so a dead address that is
     * due every round does not starve a live one behind it).
     */
    Optional<DeviceAddress> due(String deviceId, List<DeviceAddress> addresses) {
        long now = clock.getAsLong();
        DeviceAddress best = null;
        long bestAt = Long.MAX_VALUE;
        for (DeviceAddress a : addresses) {
            Backoff b = backoffs.get(new Key(deviceId, a));
            if (b == null) {
                return Optional.of(a);
            }
            if (now >= b.nextAt() && b.nextAt() < bestAt) {
                best = a;
                bestAt = b.nextAt();
            }
        }
        return Optional.ofNullable(best);
    }

    /** A dial failed: that address waits twice as long as last time (bounded). */
    void failed(String deviceId, DeviceAddress address) {
        long now = clock.getAsLong();
        backoffs.compute(new Key(deviceId, address), (k, b) -> {
            long delay = b == null ? FIRST_BACKOFF_MILLIS : Math.min(MAX_BACKOFF_MILLIS, b.delay() * 2);
            return new Backoff(now + delay, delay);
        });
    }

    /** A link was made: that address may be dialled again at once when the link goes away. */
    void succeeded(String deviceId, DeviceAddress address) {
        backoffs.remove(new Key(deviceId, address));
    }

    /** How long {@code address} of {@code deviceId} waits after its last failure (0 if none; for tests). */
    long backoffMillis(String deviceId, DeviceAddress address) {
        Backoff b = backoffs.get(new Key(deviceId, address));
        return b == null ? 0 : b.delay();
    }
}

package io.rhizome.transport.memory;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A set of in-process endpoints that can reach each other. Addresses are {@code memory:<deviceId>}.
 * Thread-safe. Register an instance as an OSGi service to let the {@code memory} transport
 * component join it.
 */
public final class MemoryNetwork {

    public static final String KIND = "memory";
    public static final String SCHEME = "memory:";

    private final Map<String, MemoryTransport> listening = new ConcurrentHashMap<>();
    private final Set<Set<String>> cut = ConcurrentHashMap.newKeySet();
    private final List<MemoryLink> links = new CopyOnWriteArrayList<>();
    private final Map<String, java.util.concurrent.atomic.AtomicLong> dials = new ConcurrentHashMap<>();
    private final int maxMessageSize;

    public MemoryNetwork() {
        this(16 * 1024 * 1024);
    }

    public MemoryNetwork(int maxMessageSize) {
        this.maxMessageSize = maxMessageSize;
    }

    /** A new endpoint for a device; start it to make it reachable. */
    public MemoryTransport endpoint(String deviceId) {
        return new MemoryTransport(this, deviceId);
    }

    public static String address(String deviceId) {
        return SCHEME + deviceId;
    }

    /** Cuts every link between two devices and refuses new ones until {@link #heal}. */
    public void partition(String a, String b) {
        cut.add(Set.of(a, b));
        for (MemoryLink l : links) {
            if (l.connects(a, b)) {
                l.close();
            }
        }
    }

    public void heal(String a, String b) {
        cut.remove(Set.of(a, b));
    }

    int maxMessageSize() {
        return maxMessageSize;
    }

    void listen(MemoryTransport t) throws IOException {
        if (listening.putIfAbsent(t.deviceId(), t) != null) {
            throw new IOException("device " + t.deviceId() + " already listens on this memory network");
        }
    }

    void unlisten(MemoryTransport t) {
        listening.remove(t.deviceId(), t);
        for (MemoryLink l : links) {
            if (l.involves(t)) {
                l.close();
            }
        }
    }

    /** How many times {@code deviceId} dialled anyone, successfully or not (tests bound dial rates with it). */
    public long dials(String deviceId) {
        java.util.concurrent.atomic.AtomicLong n = dials.get(deviceId);
        return n == null ? 0 : n.get();
    }

    MemoryLink dial(MemoryTransport from, String address) throws IOException {
        dials.computeIfAbsent(from.deviceId(), d -> new java.util.concurrent.atomic.AtomicLong()).incrementAndGet();
        if (!address.startsWith(SCHEME)) {
            throw new IOException("not a memory address: '" + address + "' (expected memory:<deviceId>)");
        }
        String target = address.substring(SCHEME.length());
        MemoryTransport to = listening.get(target);
        if (to == null) {
            throw new IOException("nobody listens at " + address);
        }
        if (cut.contains(new HashSet<>(List.of(from.deviceId(), target)))) {
            throw new IOException("the network between " + from.deviceId() + " and " + target + " is partitioned");
        }
        MemoryLink.Pair pair = MemoryLink.pair(from, to, maxMessageSize, links::remove);
        links.add(pair.a());
        links.add(pair.b());
        to.accept(pair.b());
        return pair.a();
    }
}

package io.rhizome.pairing.internal;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.rhizome.api.SyncService;
import io.rhizome.spi.crypto.KeyService;
import io.rhizome.spi.crypto.KeyService.MeshKey;
import io.rhizome.spi.transport.PeerAnnouncement;
import io.rhizome.spi.transport.ProtocolChannels;
import io.rhizome.spi.transport.Transport;

/**
 * What the parts of pairing (invitations, joining, mesh pushes, mesh updates received) share: the
 * keys, the trusted-device store, the sync engine to tell, the transports, one executor and the
 * clock, with the answers several of them need (this device's addresses, every mesh key, the
 * members to announce).
 */
final class PairingParts {

    final KeyService keys;
    final TrustedStore trusted;
    final MeshMembership membership;
    final SyncService sync;
    final ScheduledExecutorService executor;
    final LongSupplier clock;
    final SecureRandom random = new SecureRandom();
    private final Supplier<List<Transport>> transports;
    /** This device's signed announcements by kind, signed again only when a transport's values change. */
    private final java.util.Map<String, Announcement> own = new java.util.concurrent.ConcurrentHashMap<>();
    /** Announcers that are not transports (the hub's device side), by the kind they announce under. */
    private volatile Supplier<java.util.Map<String, PeerAnnouncement>> announcers = java.util.Map::of;

    PairingParts(KeyService keys, TrustedStore trusted, SyncService sync, Supplier<List<Transport>> transports,
            ScheduledExecutorService executor, LongSupplier clock) {
        this.keys = keys;
        this.trusted = trusted;
        this.membership = new MeshMembership(trusted);
        this.sync = sync;
        this.transports = transports;
        this.executor = executor;
        this.clock = clock;
    }

    List<Transport> channelTransports() {
        return transports.get().stream().filter(t -> t instanceof ProtocolChannels).toList();
    }

    /**
     * The channel transports once one of them listens, waiting at most {@code bound}: a node that
     * has just started serves its REST API before its transports are up, and a {@code rhizome pair}
     * typed right after {@code rhizome daemon} must not be refused for that. After the bound, what
     * there is (possibly nothing: the caller refuses then).
     */
    List<Transport> awaitChannelTransports(Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        List<Transport> ts = channelTransports();
        while (ts.stream().allMatch(t -> t.listenAddresses().isEmpty()) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            ts = channelTransports();
        }
        return ts;
    }

    List<String> ownAddresses() {
        List<String> out = new ArrayList<>();
        for (Transport t : channelTransports()) {
            for (String a : t.listenAddresses()) {
                out.add(t.kind() + " " + a);
            }
        }
        return out;
    }

    /**
     * What this device's transports announce ({@link PeerAnnouncement}), signed; the same signed
     * object while the values stay the same, so the mesh state does not change by itself.
     */
    synchronized List<Announcement> ownAnnouncements() {
        List<Announcement> out = new ArrayList<>();
        java.util.Set<String> kinds = new java.util.HashSet<>();
        java.util.Map<String, PeerAnnouncement> by = new java.util.LinkedHashMap<>();
        for (Transport t : transports.get()) {
            if (t instanceof PeerAnnouncement pa) {
                by.putIfAbsent(t.kind(), pa);
            }
        }
        announcers.get().forEach(by::putIfAbsent);
        for (java.util.Map.Entry<String, PeerAnnouncement> announcer : by.entrySet()) {
            String kind = announcer.getKey();
            PeerAnnouncement pa = announcer.getValue();
            java.util.Map<String, String> values;
            try {
                values = pa.announcement();
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(PairingParts.class).warn("the {} transport failed to say what it announces: {}", kind, e.toString());
                continue;
            }
            if (values == null || values.isEmpty() || !kinds.add(kind)) {
                continue;
            }
            Announcement held = own.get(kind);
            if (held == null || !held.sameValues(values)) {
                try {
                    held = Announcement.sign(keys, kind, values, Math.max(clock.getAsLong(), held == null ? 0 : held.issuedAt() + 1));
                } catch (io.rhizome.spi.crypto.CryptoException | RuntimeException e) {
                    org.slf4j.LoggerFactory.getLogger(PairingParts.class).warn("not announcing the {} transport: {}", kind, e.getMessage());
                    continue;
                }
                own.put(kind, held);
            }
            out.add(held);
        }
        out.sort(java.util.Comparator.comparing(Announcement::kind));
        return out;
    }

    /** Announcers that are not transports, each under the kind it announces ({@code transport.kind} of its service). */
    void announcers(Supplier<java.util.Map<String, PeerAnnouncement>> announcers) {
        this.announcers = announcers;
    }

    List<MeshKey> allKeys() {
        List<MeshKey> out = new ArrayList<>();
        for (long e : keys.epochs()) {
            keys.meshKey(e).ifPresent(out::add);
        }
        return out;
    }

    /** The trusted devices with their addresses, except {@code except} (null: all). */
    List<Welcome.MeshMember> members(String except) {
        return trusted.all().stream().filter(p -> !p.deviceId().equals(except))
                .map(p -> new Welcome.MeshMember(p.deviceId(), p.addresses(), trusted.announcements(p.deviceId()))).toList();
    }
}

package io.rhizome.pairing.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.rhizome.api.PairingService.TrustedPeer;
import io.rhizome.spi.store.MetadataSpace;
import io.rhizome.spi.store.MetadataUpdate;
import io.rhizome.spi.store.StoreException;

/**
 * The trusted devices and the revoked ones, in pairing's own metadata space of the node's store as
 * {@code trusted/<id>} and {@code revoked/<id>} (JSON), and this device's own revocation
 * ({@code self-revoked}), mirrored in memory so that {@link #isTrusted} answers without I/O. A
 * change is written before it becomes visible; a change of several devices ({@link #apply}) is one
 * atomic update of the space.
 *
 * <p>Writers synchronise on this object; callers that must decide on the current state and then
 * change it without another change in between (a mesh update, a revocation with its key rotation)
 * hold its monitor around both.
 */
final class TrustedStore {

    static final String TRUSTED = "trusted/";
    static final String REVOKED = "revoked/";
    static final String SELF_REVOKED = "self-revoked";
    /** {@code announce/<id>/<kind>}: a device's newest signed announcement for a transport kind. */
    static final String ANNOUNCED = "announce/";
    /** How many addresses a device's record keeps. */
    private static final int MAX_ADDRESSES = 16;

    /** A revocation: when, and by which device. */
    record Revocation(String deviceId, long revokedAt) {
    }

    /**
     * Devices to trust (new, or with new addresses), devices to revoke and announcements to keep,
     * applied together. An announcement is kept only for a device trusted after the change, and
     * only if it is newer than the one held for its device and kind.
     */
    record Change(List<TrustedPeer> trust, List<Revocation> revoke, List<Announcement> announce) {
        Change {
            trust = List.copyOf(trust);
            revoke = List.copyOf(revoke);
            announce = List.copyOf(announce);
        }

        Change(List<TrustedPeer> trust, List<Revocation> revoke) {
            this(trust, revoke, List.of());
        }

        boolean isEmpty() {
            return trust.isEmpty() && revoke.isEmpty() && announce.isEmpty();
        }
    }

    private final MetadataSpace store;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, TrustedPeer> trusted = new ConcurrentHashMap<>();
    private final Map<String, Revocation> revoked = new ConcurrentHashMap<>();
    /** Device id to transport kind to its newest announcement. */
    private final Map<String, Map<String, Announcement>> announced = new ConcurrentHashMap<>();
    /** Set when a trusted device told this one that it was revoked: {@code deviceId} is the teller. */
    private volatile Optional<Revocation> selfRevoked = Optional.empty();

    TrustedStore(MetadataSpace store) throws StoreException {
        this.store = store;
        try {
            for (byte[] v : store.scan(TRUSTED).values()) {
                TrustedPeer p = json.readValue(v, TrustedPeer.class);
                trusted.put(p.deviceId(), p);
            }
            for (byte[] v : store.scan(REVOKED).values()) {
                Revocation r = json.readValue(v, Revocation.class);
                revoked.put(r.deviceId(), r);
            }
            for (byte[] v : store.scan(ANNOUNCED).values()) {
                Announcement a = json.readValue(v, Announcement.class);
                announced.computeIfAbsent(a.deviceId(), k -> new ConcurrentHashMap<>()).put(a.kind(), a);
            }
            Optional<byte[]> self = store.get(SELF_REVOKED);
            if (self.isPresent()) {
                selfRevoked = Optional.of(json.readValue(self.get(), Revocation.class));
            }
        } catch (IOException e) {
            throw new StoreException("the trusted-device records in " + store + " are unreadable: " + e.getMessage(), e);
        }
    }

    boolean isTrusted(String deviceId) {
        return trusted.containsKey(deviceId);
    }

    boolean isRevoked(String deviceId) {
        return revoked.containsKey(deviceId);
    }

    Optional<TrustedPeer> get(String deviceId) {
        return Optional.ofNullable(trusted.get(deviceId));
    }

    List<TrustedPeer> all() {
        List<TrustedPeer> all = new ArrayList<>(trusted.values());
        all.sort(Comparator.comparingLong(TrustedPeer::pairedAt).thenComparing(TrustedPeer::deviceId));
        return all;
    }

    Set<String> revokedIds() {
        return Set.copyOf(revoked.keySet());
    }

    /** Trusts a device (a fresh pairing also lifts an earlier revocation of it). */
    synchronized void trust(TrustedPeer peer) throws StoreException {
        apply(new Change(List.of(peer), List.of()));
    }

    /**
     * Trusts and revokes devices in one atomic write: all of it is durable and visible, or (on a
     * {@link StoreException}) none of it.
     */
    synchronized void apply(Change change) throws StoreException {
        Set<String> trustedAfter = new java.util.HashSet<>(trusted.keySet());
        change.trust().forEach(p -> trustedAfter.add(p.deviceId()));
        change.revoke().forEach(r -> trustedAfter.remove(r.deviceId()));
        Map<String, Announcement> fresh = new java.util.LinkedHashMap<>();
        for (Announcement a : change.announce()) {
            Announcement held = fresh.getOrDefault(a.deviceId() + "/" + a.kind(), announcement(a.deviceId(), a.kind()).orElse(null));
            if (trustedAfter.contains(a.deviceId()) && (held == null || a.issuedAt() > held.issuedAt())) {
                fresh.put(a.deviceId() + "/" + a.kind(), a);
            }
        }
        if (change.trust().isEmpty() && change.revoke().isEmpty() && fresh.isEmpty()) {
            return;
        }
        MetadataUpdate.Builder update = MetadataUpdate.builder();
        for (TrustedPeer p : change.trust()) {
            update.put(TRUSTED + p.deviceId(), bytes(p)).delete(REVOKED + p.deviceId());
        }
        for (Revocation r : change.revoke()) {
            update.delete(TRUSTED + r.deviceId()).put(REVOKED + r.deviceId(), bytes(r));
            // a revoked device's transports are no longer to be reached: its announcements go with its trust
            for (String kind : announced.getOrDefault(r.deviceId(), Map.of()).keySet()) {
                update.delete(ANNOUNCED + r.deviceId() + "/" + kind);
            }
        }
        fresh.forEach((key, a) -> update.put(ANNOUNCED + key, bytes(a)));
        store.update(update.build());
        for (TrustedPeer p : change.trust()) {
            revoked.remove(p.deviceId());
            trusted.put(p.deviceId(), p);
        }
        for (Revocation r : change.revoke()) {
            trusted.remove(r.deviceId());
            revoked.put(r.deviceId(), r);
            announced.remove(r.deviceId());
        }
        fresh.values().forEach(a -> announced.computeIfAbsent(a.deviceId(), k -> new ConcurrentHashMap<>()).put(a.kind(), a));
    }

    /** The newest announcement held for a device and transport kind. */
    Optional<Announcement> announcement(String deviceId, String kind) {
        return Optional.ofNullable(announced.getOrDefault(deviceId, Map.of()).get(kind));
    }

    /** Every announcement held for a device, by kind. */
    List<Announcement> announcements(String deviceId) {
        List<Announcement> out = new ArrayList<>(announced.getOrDefault(deviceId, Map.of()).values());
        out.sort(Comparator.comparing(Announcement::kind));
        return out;
    }

    /** Keeps announcements (see {@link Change}: only newer ones of trusted devices). */
    synchronized void announce(List<Announcement> announcements) throws StoreException {
        apply(new Change(List.of(), List.of(), announcements));
    }

    /** This device's own revocation, as told by a trusted device; empty while it is a member. */
    Optional<Revocation> selfRevoked() {
        return selfRevoked;
    }

    /** Records that {@code by} told this device it was revoked (the first notice is kept). */
    synchronized void revokedSelf(String by, long at) throws StoreException {
        if (selfRevoked.isPresent()) {
            return;
        }
        Revocation r = new Revocation(by, at);
        store.put(SELF_REVOKED, bytes(r));
        selfRevoked = Optional.of(r);
    }

    /** A new pairing makes this device a member again. */
    synchronized void clearSelfRevoked() throws StoreException {
        store.delete(SELF_REVOKED);
        selfRevoked = Optional.empty();
    }

    /**
     * A trusted device's record with {@code addresses} in front of the ones it had (the newest
     * announcement first, so a device that moved is dialled where it is now), at most 16; empty if
     * it is not trusted or the record would not change.
     */
    Optional<TrustedPeer> withAddresses(String deviceId, List<String> addresses) {
        TrustedPeer p = trusted.get(deviceId);
        return p == null ? Optional.empty() : withAddresses(p, addresses);
    }

    /** {@code p} with {@code addresses} in front of its own, at most 16; empty if that changes nothing. */
    static Optional<TrustedPeer> withAddresses(TrustedPeer p, List<String> addresses) {
        LinkedHashSet<String> all = new LinkedHashSet<>(addresses);
        all.addAll(p.addresses());
        List<String> merged = new ArrayList<>(all).subList(0, Math.min(all.size(), MAX_ADDRESSES));
        if (merged.equals(p.addresses())) {
            return Optional.empty();
        }
        return Optional.of(new TrustedPeer(p.deviceId(), p.fingerprint(), p.pairedAt(), merged, p.via()));
    }

    /** Adds addresses to a trusted device's record (see {@link #withAddresses}); returns false if it is not trusted. */
    synchronized boolean addAddresses(String deviceId, List<String> addresses) throws StoreException {
        if (!trusted.containsKey(deviceId)) {
            return false;
        }
        Optional<TrustedPeer> updated = withAddresses(deviceId, addresses);
        if (updated.isPresent()) {
            apply(new Change(List.of(updated.get()), List.of()));
        }
        return true;
    }

    /** Removes trust and remembers the revocation, so gossip from other devices cannot bring it back. */
    synchronized void revoke(String deviceId, long now) throws StoreException {
        apply(new Change(List.of(), List.of(new Revocation(deviceId, now))));
    }

    private byte[] bytes(Object o) {
        try {
            return json.writeValueAsString(o).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

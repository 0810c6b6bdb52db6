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
    /** How many addresses a device's record keeps. */
    private static final int MAX_ADDRESSES = 16;

    /** A revocation: when, and by which device. */
    record Revocation(String deviceId, long revokedAt) {
    }

    /** Devices to trust (new, or with new addresses) and devices to revoke, applied together. */
    record Change(List<TrustedPeer> trust, List<Revocation> revoke) {
        Change {
            trust = List.copyOf(trust);
            revoke = List.copyOf(revoke);
        }

        boolean isEmpty() {
            return trust.isEmpty() && revoke.isEmpty();
        }
    }

    private final MetadataSpace store;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, TrustedPeer> trusted = new ConcurrentHashMap<>();
    private final Map<String, Revocation> revoked = new ConcurrentHashMap<>();
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
        if (change.isEmpty()) {
            return;
        }
        MetadataUpdate.Builder update = MetadataUpdate.builder();
        for (TrustedPeer p : change.trust()) {
            update.put(TRUSTED + p.deviceId(), bytes(p)).delete(REVOKED + p.deviceId());
        }
        for (Revocation r : change.revoke()) {
            update.delete(TRUSTED + r.deviceId()).put(REVOKED + r.deviceId(), bytes(r));
        }
        store.update(update.build());
        for (TrustedPeer p : change.trust()) {
            revoked.remove(p.deviceId());
            trusted.put(p.deviceId(), p);
        }
        for (Revocation r : change.revoke()) {
            trusted.remove(r.deviceId());
            revoked.put(r.deviceId(), r);
        }
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

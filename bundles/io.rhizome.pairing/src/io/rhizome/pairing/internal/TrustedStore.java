package io.rhizome.pairing.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.rhizome.api.PairingService.TrustedPeer;
import io.rhizome.spi.store.ReplicaStore;
import io.rhizome.spi.store.StoreException;

/**
 * The trusted devices and the revoked ones, in the node's durable store (MapDB) as metadata
 * {@code pairing/trusted/<id>} and {@code pairing/revoked/<id>} (JSON), and this device's own
 * revocation ({@code pairing/self-revoked}), mirrored in memory so that {@link #isTrusted} answers
 * without I/O. A change is written before it becomes visible.
 */
final class TrustedStore {

    static final String TRUSTED = "pairing/trusted/";
    static final String REVOKED = "pairing/revoked/";
    static final String SELF_REVOKED = "pairing/self-revoked";

    /** A revocation: when, and by which device. */
    record Revocation(String deviceId, long revokedAt) {
    }

    private final ReplicaStore store;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, TrustedPeer> trusted = new ConcurrentHashMap<>();
    private final Map<String, Revocation> revoked = new ConcurrentHashMap<>();
    /** Set when a trusted device told this one that it was revoked: {@code deviceId} is the teller. */
    private volatile Optional<Revocation> selfRevoked = Optional.empty();

    TrustedStore(ReplicaStore store) throws StoreException {
        this.store = store;
        try {
            for (byte[] v : store.metaWithPrefix(TRUSTED).values()) {
                TrustedPeer p = json.readValue(v, TrustedPeer.class);
                trusted.put(p.deviceId(), p);
            }
            for (byte[] v : store.metaWithPrefix(REVOKED).values()) {
                Revocation r = json.readValue(v, Revocation.class);
                revoked.put(r.deviceId(), r);
            }
            Optional<byte[]> self = store.meta(SELF_REVOKED);
            if (self.isPresent() && self.get().length > 0) {
                selfRevoked = Optional.of(json.readValue(self.get(), Revocation.class));
            }
        } catch (IOException e) {
            throw new StoreException("the trusted-device records in " + store.location() + " are unreadable: " + e.getMessage(), e);
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
        Map<String, byte[]> update = new HashMap<>();
        update.put(TRUSTED + peer.deviceId(), bytes(peer));
        update.put(REVOKED + peer.deviceId(), new byte[0]);
        store.putMeta(update);
        revoked.remove(peer.deviceId());
        trusted.put(peer.deviceId(), peer);
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
        store.putMeta(Map.of(SELF_REVOKED, bytes(r)));
        selfRevoked = Optional.of(r);
    }

    /** A new pairing makes this device a member again. */
    synchronized void clearSelfRevoked() throws StoreException {
        store.putMeta(Map.of(SELF_REVOKED, new byte[0]));
        selfRevoked = Optional.empty();
    }

    /**
     * Adds addresses to a trusted device's record, in front of the ones it had (the newest
     * announcement first, so a device that moved is dialled where it is now), at most 16; returns
     * false if it is not trusted.
     */
    synchronized boolean addAddresses(String deviceId, List<String> addresses) throws StoreException {
        TrustedPeer p = trusted.get(deviceId);
        if (p == null) {
            return false;
        }
        LinkedHashSet<String> all = new LinkedHashSet<>(addresses);
        all.addAll(p.addresses());
        List<String> merged = new ArrayList<>(all).subList(0, Math.min(all.size(), 16));
        if (merged.equals(p.addresses())) {
            return true;
        }
        TrustedPeer updated = new TrustedPeer(p.deviceId(), p.fingerprint(), p.pairedAt(), merged, p.via());
        store.putMeta(Map.of(TRUSTED + deviceId, bytes(updated)));
        trusted.put(deviceId, updated);
        return true;
    }

    /** Removes trust and remembers the revocation, so gossip from other devices cannot bring it back. */
    synchronized void revoke(String deviceId, long now) throws StoreException {
        Revocation r = new Revocation(deviceId, now);
        Map<String, byte[]> update = new HashMap<>();
        update.put(TRUSTED + deviceId, new byte[0]);
        update.put(REVOKED + deviceId, bytes(r));
        store.putMeta(update);
        trusted.remove(deviceId);
        revoked.put(deviceId, r);
    }

    private byte[] bytes(Object o) {
        try {
            return json.writeValueAsString(o).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

package io.rhizome.pairing.internal;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.policy.TrustedDevices;
import io.rhizome.spi.store.StoreException;

/**
 * The trusted-device store as the engine and the policy ask it ({@link TrustedDevices}): who is
 * trusted and where it announced it listens, who was revoked, and whether this device itself was
 * told it was revoked (kept durably until it pairs again). Thread-safe; answers from memory.
 */
public final class MeshMembership implements TrustedDevices {

    private static final Logger LOG = LoggerFactory.getLogger(MeshMembership.class);

    private final TrustedStore trusted;

    MeshMembership(TrustedStore trusted) {
        this.trusted = trusted;
    }

    @Override
    public boolean isTrusted(String deviceId) {
        return trusted.isTrusted(deviceId);
    }

    @Override
    public Set<String> trustedDeviceIds() {
        Set<String> ids = new HashSet<>();
        trusted.all().forEach(p -> ids.add(p.deviceId()));
        return ids;
    }

    @Override
    public List<DeviceAddress> addresses(String deviceId) {
        return trusted.get(deviceId).map(p -> p.addresses().stream().map(DeviceAddress::parse).flatMap(Optional::stream).toList())
                .orElse(List.of());
    }

    @Override
    public java.util.Map<String, String> announcement(String deviceId, String transportKind) {
        if (!trusted.isTrusted(deviceId)) {
            return java.util.Map.of();
        }
        return trusted.announcement(deviceId, transportKind).map(Announcement::values).orElse(java.util.Map.of());
    }

    @Override
    public boolean isRevoked(String deviceId) {
        return trusted.isRevoked(deviceId) && !trusted.isTrusted(deviceId);
    }

    /** Believed only from a device trusted here (the caller's link is authenticated as {@code byDevice}). */
    @Override
    public void revokedBy(String byDevice, Instant at) {
        if (!trusted.isTrusted(byDevice)) {
            LOG.warn("ignoring a revocation notice from {}: not a trusted device", byDevice);
            return;
        }
        boolean first = trusted.selfRevoked().isEmpty();
        try {
            trusted.revokedSelf(byDevice, at.toEpochMilli());
        } catch (StoreException e) {
            LOG.error("device {} says this device was revoked, but recording it failed: {}", byDevice, e.getMessage());
            return;
        }
        if (first) {
            LOG.warn("this device was revoked from the mesh (told by {} at {}); it stops syncing; pair it again to rejoin", byDevice, at);
        }
    }

    @Override
    public Optional<String> revocation() {
        return trusted.selfRevoked().map(r -> "this device was revoked from the mesh by " + r.deviceId() + " at "
                + Instant.ofEpochMilli(r.revokedAt()) + "; pair it again to rejoin");
    }

    /** Pairing again (as joiner or inviter) makes this device a member again. */
    void rejoined() throws StoreException {
        boolean was = trusted.selfRevoked().isPresent();
        trusted.clearSelfRevoked();
        if (was) {
            LOG.info("this device was paired again: it is a member of a mesh again");
        }
    }
}

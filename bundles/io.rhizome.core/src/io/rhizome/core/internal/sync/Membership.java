package io.rhizome.core.internal.sync;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.core.internal.protocol.Message;
import io.rhizome.core.internal.protocol.ProtocolException;
import io.rhizome.spi.policy.TrustedDevices;

/**
 * Who may hold a link with this node, as far as revocation goes: a revoked device's links are
 * refused after telling it so (an {@code Error} with code {@value ProtocolException#REVOKED}), and a
 * notice that this node itself was revoked is believed only from a device it trusts — the link is
 * authenticated by the transport, so a stranger cannot make this node believe it. While this node
 * is revoked it dials no one and accepts no links. Thread-safe.
 */
final class Membership {

    private static final Logger LOG = LoggerFactory.getLogger(Membership.class);

    private volatile TrustedDevices devices = id -> false;
    /** Devices revoked while this node runs (before the trust service may know): value = refusal logged. */
    private final Map<String, Boolean> forgotten = new ConcurrentHashMap<>();
    private volatile boolean selfRevokedLogged;

    void devices(TrustedDevices devices) {
        this.devices = devices == null ? id -> false : devices;
    }

    TrustedDevices devices() {
        return devices;
    }

    /** The trusted devices, revoked ones left out; empty when the trust service fails to answer. */
    java.util.Set<String> trustedIds() {
        try {
            java.util.Set<String> ids = new java.util.TreeSet<>(devices.trustedDeviceIds());
            ids.removeIf(devices::isRevoked);
            return ids;
        } catch (RuntimeException e) {
            LOG.warn("listing the trusted devices failed: {}", e.toString());
            return java.util.Set.of();
        }
    }

    boolean isTrusted(String deviceId) {
        try {
            return devices.isTrusted(deviceId);
        } catch (RuntimeException e) {
            LOG.warn("asking whether {} is trusted failed: {}", deviceId, e.toString());
            return false;
        }
    }

    /** {@code deviceId} was revoked here: refuse its links until it is trusted again (paired anew). */
    void forget(String deviceId) {
        forgotten.put(deviceId, Boolean.FALSE);
    }

    /** Whether a link from {@code deviceId} is refused because it was revoked (logged once per device). */
    boolean refusesRevoked(String deviceId) {
        if (isTrusted(deviceId)) {
            forgotten.remove(deviceId);
            return false;
        }
        boolean revoked = forgotten.containsKey(deviceId);
        if (!revoked) {
            try {
                revoked = devices.isRevoked(deviceId);
            } catch (RuntimeException e) {
                LOG.warn("asking whether {} is revoked failed: {}", deviceId, e.toString());
            }
        }
        if (revoked && !Boolean.TRUE.equals(forgotten.put(deviceId, Boolean.TRUE))) {
            LOG.info("refusing links from revoked device {} and telling it that it was revoked (logged once)", deviceId);
        }
        return revoked;
    }

    /** What a refused revoked device is told, from {@code self}. */
    static Message.Error revokedError(String self) {
        return new Message.Error(ProtocolException.REVOKED,
                "device " + self + " refuses this device: it was revoked from the mesh; pair it again to rejoin", -1, true);
    }

    /**
     * {@code from} (authenticated by the transport) says this node was revoked; believed only if
     * {@code from} is trusted here. Returns whether it was believed.
     */
    boolean revocationNotice(String from, Instant at) {
        if (!isTrusted(from)) {
            LOG.warn("ignoring a revocation notice from {}: not a trusted device of this node", from);
            return false;
        }
        try {
            devices.revokedBy(from, at);
        } catch (RuntimeException e) {
            LOG.warn("recording that {} revoked this device failed: {}", from, e.toString());
        }
        if (revocation().isEmpty()) {
            LOG.warn("device {} says this device was revoked, but no trusted-devices service keeps that; still dialling", from);
        }
        return true;
    }

    /** Set while this node was revoked from its mesh and not paired again. */
    Optional<String> revocation() {
        try {
            return devices.revocation();
        } catch (RuntimeException e) {
            LOG.warn("asking whether this device was revoked failed: {}", e.toString());
            return Optional.empty();
        }
    }

    /** Whether a link must be refused because this node itself was revoked (logged once). */
    boolean selfRevoked() {
        Optional<String> r = revocation();
        if (r.isPresent() && !selfRevokedLogged) {
            selfRevokedLogged = true;
            LOG.warn("{}: not dialling and not accepting links", r.get());
        } else if (r.isEmpty()) {
            selfRevokedLogged = false;
        }
        return r.isPresent();
    }
}

package io.rhizome.core.internal.sync;

import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.policy.TrustedDevices;

/**
 * Every registered {@link TrustedDevices} service seen as one: a device is trusted if any service
 * trusts it, revoked if one revoked it and none trusts it; addresses and ids are merged. A service
 * that throws is logged and counts as "no" (the SPI's failure contract). Thread-safe.
 */
public final class TrustedDevicesUnion implements TrustedDevices {

    private static final Logger LOG = LoggerFactory.getLogger(TrustedDevicesUnion.class);

    private final Supplier<Collection<TrustedDevices>> services;

    public TrustedDevicesUnion(Supplier<Collection<TrustedDevices>> services) {
        this.services = services;
    }

    @Override
    public boolean isTrusted(String deviceId) {
        for (TrustedDevices t : services.get()) {
            if (ask(t, () -> t.isTrusted(deviceId), false)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Set<String> trustedDeviceIds() {
        Set<String> ids = new HashSet<>();
        for (TrustedDevices t : services.get()) {
            ids.addAll(ask(t, t::trustedDeviceIds, Set.of()));
        }
        return ids;
    }

    @Override
    public List<DeviceAddress> addresses(String deviceId) {
        LinkedHashSet<DeviceAddress> all = new LinkedHashSet<>();
        for (TrustedDevices t : services.get()) {
            all.addAll(ask(t, () -> t.addresses(deviceId), List.of()));
        }
        return List.copyOf(all);
    }

    @Override
    public boolean isRevoked(String deviceId) {
        boolean revoked = false;
        for (TrustedDevices t : services.get()) {
            revoked |= ask(t, () -> t.isRevoked(deviceId), false);
        }
        return revoked && !isTrusted(deviceId);
    }

    @Override
    public void revokedBy(String byDevice, Instant at) {
        for (TrustedDevices t : services.get()) {
            if (ask(t, () -> t.isTrusted(byDevice), false)) {
                ask(t, () -> {
                    t.revokedBy(byDevice, at);
                    return null;
                }, null);
            }
        }
    }

    @Override
    public Optional<String> revocation() {
        for (TrustedDevices t : services.get()) {
            Optional<String> r = ask(t, t::revocation, Optional.empty());
            if (r.isPresent()) {
                return r;
            }
        }
        return Optional.empty();
    }

    private static <T> T ask(TrustedDevices service, Supplier<T> question, T otherwise) {
        try {
            T answer = question.get();
            return answer == null ? otherwise : answer;
        } catch (RuntimeException e) {
            LOG.warn("trusted-devices service {} failed: {}", service.getClass().getName(), e.toString());
            return otherwise;
        }
    }
}

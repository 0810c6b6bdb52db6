package io.rhizome.hub.internal;

import java.util.Set;

import io.rhizome.spi.policy.TrustedDevices;

/** The hub's members as the {@link TrustedDevices} of its node (hub mode only), for the transport's limits. */
final class MemberDevices implements TrustedDevices {

    private final HubMembers members;

    MemberDevices(HubMembers members) {
        this.members = members;
    }

    @Override
    public boolean isTrusted(String deviceId) {
        return members.isTrusted(deviceId);
    }

    @Override
    public Set<String> trustedDeviceIds() {
        return members.trusted();
    }

    @Override
    public boolean isRevoked(String deviceId) {
        return members.isRevoked(deviceId);
    }
}

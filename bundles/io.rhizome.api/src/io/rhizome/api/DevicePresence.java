package io.rhizome.api;

import java.time.Instant;
import java.util.Objects;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One device's presence state as this node sees it (see {@link Presence}).
 *
 * @param deviceId  the device (authenticated by the link it came over)
 * @param self      whether it is this device's own state
 * @param state     the state the device published
 * @param updatedAt when this node last received (or published) it
 * @param expiresAt when this node drops it unless it hears it again
 * @since 0.1
 */
public record DevicePresence(String deviceId, boolean self, JsonNode state, Instant updatedAt, Instant expiresAt) {
    public DevicePresence {
        Objects.requireNonNull(deviceId, "deviceId");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(updatedAt, "updatedAt");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }
}

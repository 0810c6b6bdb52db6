package io.rhizome.api;

import java.time.Duration;
import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Awareness: a small, ephemeral state each device publishes for the devices it is paired with to
 * see — online, the device's name, what its user is looking at — like Yjs awareness. It is not data:
 * never written to the log or the store, never in an export or a backup, gone when the node stops.
 *
 * <p><b>Delivery.</b> A published state reaches every connected, trusted (paired) peer at once and
 * is sent again every third of its time to live, so a peer that connects later gets it too. A peer
 * keeps a state until its time to live passes without a new one, or the device clears it. Only
 * direct peers see it (presence is not relayed). An untrusted device is never sent a state and a
 * state from one is dropped. Peers of an older protocol release, which do not announce presence in
 * their handshake, are sent none.
 *
 * <p><b>Threading.</b> Thread-safe; {@link #publish} returns at once (sending happens on the sync
 * threads). Implemented by the engine only: {@code @ProviderType}.
 *
 * @since 0.1
 */
@ProviderType
public interface Presence {

    /** How long a state lasts at a peer without being sent again, unless a publisher says otherwise. */
    Duration DEFAULT_TTL = Duration.ofSeconds(30);
    Duration MIN_TTL = Duration.ofSeconds(1);
    Duration MAX_TTL = Duration.ofMinutes(10);
    /** The largest state, as compact UTF-8 JSON: presence is for a few fields, not for data. */
    int MAX_STATE_BYTES = 4096;

    /**
     * Sets this device's state (replacing the previous one) and sends it to every connected peer.
     *
     * @param state any JSON value of at most {@link #MAX_STATE_BYTES} bytes (an object, typically)
     * @param ttl   how long peers keep it without hearing it again, {@link #MIN_TTL} to {@link #MAX_TTL}
     * @throws SyncException {@code INVALID_VALUE} for a null or non-finite state, a ttl out of range;
     *                       {@code VALUE_TOO_LARGE} for a state past the limit (nothing is sent)
     */
    void publish(JsonNode state, Duration ttl);

    /** {@link #publish(JsonNode, Duration)} with {@link #DEFAULT_TTL}. */
    default void publish(JsonNode state) {
        publish(state, DEFAULT_TTL);
    }

    /** Withdraws this device's state; peers drop it when they hear so (or when it expires). */
    void clear();

    /** Every state present now: this device's first (when it published one), then each peer's, unexpired. */
    List<DevicePresence> devices();
}

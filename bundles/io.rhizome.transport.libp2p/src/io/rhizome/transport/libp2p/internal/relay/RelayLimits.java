package io.rhizome.transport.libp2p.internal.relay;

import java.time.Duration;

/**
 * What a relay grants (circuit-v2 hop server).
 *
 * @param maxReservations    peers holding a reservation at once; one more is refused with RESERVATION_REFUSED
 * @param reservationTtl     how long a reservation lasts before the client must refresh it
 * @param maxCircuits        relayed connections at once; one more is refused with RESOURCE_LIMIT_EXCEEDED
 * @param maxCircuitsPerPeer relayed connections from or to one peer at once, likewise
 * @param circuitDuration    longest life of a relayed connection, {@link Duration#ZERO} for none
 * @param circuitDataBytes   bytes forwarded in each direction of a relayed connection, 0 for no limit;
 *                           the circuit is closed once a direction reaches it
 */
public record RelayLimits(int maxReservations, Duration reservationTtl, int maxCircuits, int maxCircuitsPerPeer,
        Duration circuitDuration, long circuitDataBytes) {

    public RelayLimits {
        if (maxReservations < 0 || maxCircuits < 0 || maxCircuitsPerPeer < 0 || circuitDataBytes < 0) {
            throw new IllegalArgumentException("relay limits must not be negative");
        }
        if (reservationTtl.toSeconds() < 1 || circuitDuration.isNegative()) {
            throw new IllegalArgumentException("a reservation lasts at least one second and a circuit's duration is not negative");
        }
    }

    /** The defaults of the spec's reference implementations: 128 reservations of an hour, 2 minutes and 128 KiB per circuit. */
    public static RelayLimits defaults() {
        return new RelayLimits(128, Duration.ofHours(1), 64, 4, Duration.ofMinutes(2), 128 * 1024);
    }

    /** The Limit sent to the peers, empty when the relay limits neither time nor data. */
    CircuitMessage.Limit wireLimit() {
        return new CircuitMessage.Limit(circuitDuration.toSeconds(), circuitDataBytes);
    }

    boolean limitsCircuits() {
        return circuitDataBytes > 0 || !circuitDuration.isZero();
    }
}

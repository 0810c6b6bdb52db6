package io.rhizome.transport.libp2p.internal.relay;

import java.time.Duration;
import java.util.List;
import java.util.Properties;

import io.rhizome.transport.libp2p.internal.Libp2pSettings;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;

/**
 * The settings of {@code rhizome relay}, from the relay home's rhizome.properties, parsed strictly:
 * a bad value is an {@link IllegalArgumentException} whose message names the key and the value.
 *
 * <pre>
 * relay.listen=/ip4/0.0.0.0/tcp/4001        TCP multiaddrs, comma-separated
 * relay.maxReservations=64                  peers holding a reservation at once
 * relay.reservationTtlSeconds=3600          a reservation's life before the client refreshes it
 * relay.maxCircuits=64                      relayed connections at once
 * relay.maxCircuitsPerPeer=4                relayed connections from or to one peer at once
 * relay.circuitDurationSeconds=1800         longest relayed connection (0: no limit)
 * relay.circuitDataBytes=67108864           bytes per direction of a relayed connection (0: no limit)
 * </pre>
 */
public record RelayNodeSettings(List<Multiaddr> listen, RelayLimits limits) {

    public static final String DEFAULT_LISTEN = "/ip4/0.0.0.0/tcp/4001";

    public static RelayNodeSettings parse(Properties p) {
        String listenText = p.getProperty("relay.listen", DEFAULT_LISTEN).strip();
        List<Multiaddr> listen;
        try {
            listen = Libp2pSettings.parseListen(listenText);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage().replace("p2p.listen", "relay.listen"), e);
        }
        RelayLimits limits = new RelayLimits(
                (int) number(p, "relay.maxReservations", 64, 1, 1_000_000),
                Duration.ofSeconds(number(p, "relay.reservationTtlSeconds", 3600, 10, 86_400 * 7)),
                (int) number(p, "relay.maxCircuits", 64, 1, 1_000_000),
                (int) number(p, "relay.maxCircuitsPerPeer", 4, 1, 1_000_000),
                Duration.ofSeconds(number(p, "relay.circuitDurationSeconds", 1800, 0, 86_400 * 7)),
                number(p, "relay.circuitDataBytes", 64L << 20, 0, 1L << 40));
        return new RelayNodeSettings(listen, limits);
    }

    private static long number(Properties p, String key, long fallback, long min, long max) {
        String v = p.getProperty(key);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        long n;
        try {
            n = Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number from " + min + " to " + max + ", not '" + v.strip() + "'");
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException(key + " must be a whole number from " + min + " to " + max + ", not '" + v.strip() + "'");
        }
        return n;
    }
}

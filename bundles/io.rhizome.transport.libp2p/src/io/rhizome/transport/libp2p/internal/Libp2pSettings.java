package io.rhizome.transport.libp2p.internal;

import java.util.ArrayList;
import java.util.List;

import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.multiformats.MultiformatException;

/**
 * The node-level libp2p settings ({@code p2p.listen}, {@code p2p.mdns} in the home's
 * rhizome.properties, handed over as the framework properties {@value #LISTEN_PROPERTY} and
 * {@value #MDNS_PROPERTY}), parsed strictly: a bad value is an {@link IllegalArgumentException} that
 * names the setting and the value.
 *
 * @param listen TCP multiaddrs to listen on
 * @param mdns whether to announce and discover with mDNS
 */
public record Libp2pSettings(List<Multiaddr> listen, boolean mdns) {

    public static final String LISTEN_PROPERTY = "rhizome.p2p.listen";
    public static final String MDNS_PROPERTY = "rhizome.p2p.mdns";
    public static final String RELAYS_PROPERTY = "rhizome.p2p.relays";
    public static final String DEFAULT_LISTEN = "/ip4/0.0.0.0/tcp/0";

    public Libp2pSettings {
        listen = List.copyOf(listen);
    }

    /** Comma-separated listen multiaddrs, each /ip4|ip6/ADDRESS/tcp/PORT; blank means the default. */
    public static List<Multiaddr> parseListen(String text) {
        String t = text == null || text.isBlank() ? DEFAULT_LISTEN : text;
        List<Multiaddr> out = new ArrayList<>();
        for (String part : t.split(",", -1)) {
            out.add(parseListenAddress(part.strip()));
        }
        return out;
    }

    /** One listen multiaddr: /ip4|ip6/ADDRESS/tcp/PORT (no /p2p, no DNS). */
    public static Multiaddr parseListenAddress(String text) {
        Multiaddr a;
        try {
            a = Multiaddr.parse(text);
        } catch (MultiformatException e) {
            throw new IllegalArgumentException("p2p.listen: '" + text + "' is not a multiaddr: " + e.getMessage(), e);
        }
        List<Multiaddr.Component> cs = a.components();
        if (cs.size() != 2 || cs.get(0).protocol() != Multiaddr.Protocol.IP4 && cs.get(0).protocol() != Multiaddr.Protocol.IP6
                || cs.get(1).protocol() != Multiaddr.Protocol.TCP) {
            throw new IllegalArgumentException("p2p.listen: '" + text
                    + "' is not a TCP listen address (expected /ip4/ADDRESS/tcp/PORT or /ip6/ADDRESS/tcp/PORT)");
        }
        return a;
    }

    /** true or false (case-insensitive); blank means {@code fallback}. */
    public static boolean parseMdns(String text, boolean fallback) {
        if (text == null || text.isBlank()) {
            return fallback;
        }
        return switch (text.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("p2p.mdns: must be true or false, not '" + text + "'");
        };
    }

    /**
     * Comma-separated circuit relays to keep a reservation on ({@code p2p.relays}): each a dialable
     * TCP multiaddr ending in the relay's peer id, /ip4|ip6|dns|dns4|dns6/HOST/tcp/PORT/p2p/ID; blank
     * means none.
     */
    public static List<Multiaddr> parseRelays(String text) {
        if (text == null || text.isBlank()) {
            return List.of();
        }
        List<Multiaddr> out = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            String t = part.strip();
            if (t.isEmpty()) {
                throw new IllegalArgumentException("p2p.relays has an empty entry: '" + text + "'");
            }
            Multiaddr a;
            try {
                a = Multiaddr.parse(t);
            } catch (MultiformatException e) {
                throw new IllegalArgumentException("p2p.relays: '" + t + "' is not a multiaddr: " + e.getMessage(), e);
            }
            List<Multiaddr.Component> cs = a.components();
            boolean host = cs.size() == 3 && switch (cs.get(0).protocol()) {
                case IP4, IP6, DNS, DNS4, DNS6 -> true;
                default -> false;
            };
            if (!host || cs.get(1).protocol() != Multiaddr.Protocol.TCP || cs.get(2).protocol() != Multiaddr.Protocol.P2P) {
                throw new IllegalArgumentException("p2p.relays: '" + t + "' is not a relay address (expected "
                        + "/ip4|ip6|dns|dns4|dns6/HOST/tcp/PORT/p2p/RELAY_PEER_ID)");
            }
            out.add(a);
        }
        return out;
    }
}

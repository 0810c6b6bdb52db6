package io.rhizome.transport.wireguard.internal;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import io.rhizome.transport.wireguard.internal.uapi.UapiText;
import io.rhizome.transport.wireguard.internal.uapi.WgKey;

/**
 * The node's WireGuard settings, read from {@code wg.*} values (ConfigAdmin attributes, else the
 * framework properties {@code rhizome.wg.*} the launcher sets from rhizome.properties). A bad value
 * is refused with the key and the value, and nothing is started.
 *
 * @param peers devices configured by hand, each {@code DEVICE_ID:PUBLIC_KEY[@ENDPOINT]}: an override of
 *        what pairing announced for that device (a stock {@code wg} peer, a key set by hand)
 * @param endpoints the UDP endpoints this device announces to its mesh ({@code wg.endpoints}); empty:
 *        the addresses of its interfaces
 */
public record WireGuardSettings(boolean enabled, String interfaceName, int udpPort, int syncPort, int keepaliveSeconds,
        Path wireguardGo, String meshId, List<StaticPeer> peers, List<InetSocketAddress> endpoints) {

    public static final String PREFIX = "rhizome.";

    /** A peer device named in the configuration. */
    public record StaticPeer(String deviceId, WgKey publicKey, Optional<InetSocketAddress> endpoint) {
    }

    public WireGuardSettings {
        peers = List.copyOf(peers);
        endpoints = List.copyOf(endpoints);
    }

    /**
     * Reads the settings; {@code value} answers a key such as {@code wg.port} with its text or null.
     *
     * @throws IllegalArgumentException naming the key and the value that is wrong
     */
    public static WireGuardSettings parse(Function<String, String> value) {
        boolean enabled = bool(value, "wg.enabled", false);
        String name = text(value, "wg.interface", "rhizome0");
        if (!InterfaceSettings.validName(name)) {
            throw bad("wg.interface", name, "1 to 15 letters, digits or _=+.-");
        }
        int udp = port(value, "wg.port", 51820, 1);
        int sync = port(value, "wg.syncPort", 7300, 1);
        int keepalive = number(value, "wg.keepalive", 25, 0, 65_535);
        Path go = Path.of(text(value, "wg.wireguardGo", InterfaceSettings.DEFAULT_WIREGUARD_GO.toString()));
        String mesh = text(value, "wg.meshId", "");
        if (enabled && mesh.isBlank()) {
            throw bad("wg.meshId", mesh, "the mesh's id, the same on every device (tunnel addresses are derived from it)");
        }
        List<StaticPeer> peers = new ArrayList<>();
        String list = text(value, "wg.peers", "");
        for (String entry : list.split(",")) {
            if (!entry.isBlank()) {
                peers.add(peer(entry.strip()));
            }
        }
        List<InetSocketAddress> endpoints = new ArrayList<>();
        for (String entry : text(value, "wg.endpoints", "").split(",")) {
            if (!entry.isBlank()) {
                try {
                    endpoints.add(UapiText.parseEndpoint(entry.strip()));
                } catch (IllegalArgumentException e) {
                    throw bad("wg.endpoints", entry.strip(), "a list of IP:PORT or [IPv6]:PORT, comma-separated (" + e.getMessage() + ")");
                }
            }
        }
        if (endpoints.size() > WireGuardAnnouncement.MAX_ENDPOINTS) {
            throw bad("wg.endpoints", text(value, "wg.endpoints", ""), "at most " + WireGuardAnnouncement.MAX_ENDPOINTS + " endpoints");
        }
        return new WireGuardSettings(enabled, name, udp, sync, keepalive, go, mesh, peers, endpoints);
    }

    /** From framework-style properties ({@code rhizome.wg.port}) overlaid by ConfigAdmin's ({@code wg.port}). */
    public static WireGuardSettings parse(Map<String, ?> config, Function<String, String> frameworkProperty) {
        return parse(key -> {
            Object v = config.get(key);
            if (v != null && !String.valueOf(v).isBlank()) {
                return String.valueOf(v);
            }
            return frameworkProperty.apply(PREFIX + key);
        });
    }

    private static StaticPeer peer(String entry) {
        int colon = entry.indexOf(':');
        if (colon <= 0) {
            throw bad("wg.peers", entry, "DEVICE_ID:PUBLIC_KEY[@ENDPOINT]");
        }
        String device = entry.substring(0, colon);
        String rest = entry.substring(colon + 1);
        int at = rest.indexOf('@');
        String key = at < 0 ? rest : rest.substring(0, at);
        WgKey publicKey;
        try {
            publicKey = WgKey.fromBase64(key);
        } catch (IllegalArgumentException e) {
            throw bad("wg.peers", entry, "a base64 WireGuard public key after the device id (" + e.getMessage() + ")");
        }
        Optional<InetSocketAddress> endpoint = Optional.empty();
        if (at >= 0) {
            try {
                endpoint = Optional.of(UapiText.parseEndpoint(rest.substring(at + 1)));
            } catch (IllegalArgumentException e) {
                throw bad("wg.peers", entry, "an endpoint IP:PORT or [IPv6]:PORT after '@' (" + e.getMessage() + ")");
            }
        }
        return new StaticPeer(device, publicKey, endpoint);
    }

    private static String text(Function<String, String> value, String key, String fallback) {
        String v = value.apply(key);
        return v == null || v.isBlank() ? fallback : v.strip();
    }

    private static boolean bool(Function<String, String> value, String key, boolean fallback) {
        String v = text(value, key, String.valueOf(fallback));
        if (!v.equals("true") && !v.equals("false")) {
            throw bad(key, v, "true or false");
        }
        return Boolean.parseBoolean(v);
    }

    private static int port(Function<String, String> value, String key, int fallback, int min) {
        return number(value, key, fallback, min, 65_535);
    }

    private static int number(Function<String, String> value, String key, int fallback, int min, int max) {
        String v = text(value, key, String.valueOf(fallback));
        try {
            int n = Integer.parseInt(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw bad(key, v, "a number from " + min + " to " + max);
    }

    private static IllegalArgumentException bad(String key, String value, String expected) {
        return new IllegalArgumentException(key + " must be " + expected + ", not '" + value + "'");
    }
}

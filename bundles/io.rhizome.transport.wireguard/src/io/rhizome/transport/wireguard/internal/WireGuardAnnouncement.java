package io.rhizome.transport.wireguard.internal;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.rhizome.transport.wireguard.internal.uapi.UapiText;
import io.rhizome.transport.wireguard.internal.uapi.WgKey;

/**
 * What this device announces to its mesh for WireGuard ({@value #PUBLIC_KEY}, {@value #ENDPOINTS},
 * {@value #MESH_ID}), and how a peer's announcement is read. Pairing signs and carries it; a peer
 * configures this device as a WireGuard peer from it.
 *
 * <p>Endpoints are the configured {@code wg.endpoints}, else every address of every interface that
 * is up, except loopback, link-local and the mesh's own tunnel interface, with the UDP port: a
 * device announces where it may be reached, the peer tries them in turn.
 */
public final class WireGuardAnnouncement {

    public static final String PUBLIC_KEY = "publicKey";
    public static final String ENDPOINTS = "endpoints";
    public static final String MESH_ID = "meshId";
    /** At most this many endpoints are announced (the announcement's values are bounded). */
    static final int MAX_ENDPOINTS = 12;

    /** A peer's announcement, read. */
    public record Peer(WgKey publicKey, List<InetSocketAddress> endpoints, String meshId) {
    }

    private WireGuardAnnouncement() {
    }

    public static Map<String, String> of(WgKey publicKey, List<InetSocketAddress> endpoints, String meshId) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(PUBLIC_KEY, publicKey.base64());
        List<String> e = new ArrayList<>();
        endpoints.stream().limit(MAX_ENDPOINTS).forEach(a -> e.add(UapiText.formatEndpoint(a)));
        m.put(ENDPOINTS, String.join(",", e));
        m.put(MESH_ID, meshId);
        return m;
    }

    /**
     * Reads a peer's announcement; empty when it holds no valid public key. Endpoints that do not
     * parse are left out (an announcement from a newer node may hold forms this one does not know).
     */
    public static Optional<Peer> read(Map<String, String> values) {
        String key = values.get(PUBLIC_KEY);
        if (key == null) {
            return Optional.empty();
        }
        WgKey publicKey;
        try {
            publicKey = WgKey.fromBase64(key);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        List<InetSocketAddress> endpoints = new ArrayList<>();
        for (String e : values.getOrDefault(ENDPOINTS, "").split(",")) {
            if (!e.isBlank()) {
                try {
                    endpoints.add(UapiText.parseEndpoint(e.strip()));
                } catch (IllegalArgumentException bad) {
                    // not usable here; the others may be
                }
            }
        }
        return Optional.of(new Peer(publicKey, endpoints, values.getOrDefault(MESH_ID, "")));
    }

    /** This machine's addresses a peer may send UDP to: up, not loopback, not link-local, not {@code except}. */
    public static List<InetSocketAddress> localEndpoints(int port, String exceptInterface) {
        List<InetSocketAddress> v4 = new ArrayList<>();
        List<InetSocketAddress> v6 = new ArrayList<>();
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!ni.isUp() || ni.isLoopback() || ni.getName().equals(exceptInterface)) {
                    continue;
                }
                for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                    if (a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isAnyLocalAddress() || a.isMulticastAddress()) {
                        continue;
                    }
                    if (a instanceof Inet4Address) {
                        v4.add(new InetSocketAddress(a, port));
                    } else if (a instanceof Inet6Address i6) {
                        v6.add(new InetSocketAddress(InetAddress.getByAddress(i6.getAddress()), port));
                    }
                }
            }
        } catch (SocketException | java.net.UnknownHostException e) {
            return List.of();
        }
        // IPv4 first: where both exist, IPv4 is the more likely to be routed between home devices
        v4.addAll(v6);
        return v4;
    }
}

package io.rhizome.transport.libp2p.internal.relay;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.rhizome.transport.libp2p.internal.Libp2pConnection;
import io.rhizome.transport.libp2p.internal.Libp2pHost;
import io.rhizome.transport.libp2p.internal.autonat.AutoNatService;
import io.rhizome.transport.libp2p.internal.holepunch.HolePunchService;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;

/**
 * NAT traversal of a transport's host: the circuit relay client (every host can dial /p2p-circuit
 * addresses; with configured relays ({@code p2p.relays}) it keeps a reservation on each while
 * AutoNAT does not say this node is public, and lists the relayed addresses it is reachable at),
 * AutoNAT ({@link AutoNatService}) and hole punching ({@link HolePunchService}). Attached to each
 * host the transport starts.
 */
public final class RelayAttachment {

    private final List<Multiaddr> relays;
    private volatile RelayClient client;
    private volatile RelayReservations keeper;
    private volatile AutoNatService autonat;
    private volatile HolePunchService holePunch;

    public RelayAttachment(List<Multiaddr> relays) {
        this.relays = List.copyOf(relays);
    }

    public List<Multiaddr> relays() {
        return relays;
    }

    public synchronized void attach(Libp2pHost host) {
        client = RelayClient.install(host);
        AutoNatService a = AutoNatService.install(host, true);
        autonat = a;
        holePunch = HolePunchService.install(host);
        if (!relays.isEmpty()) {
            keeper = new RelayReservations(client, relays, Clock.systemUTC(), a::reachability);
        }
    }

    public synchronized void detach() {
        if (keeper != null) {
            keeper.close();
            keeper = null;
        }
        client = null;
        autonat = null;
        holePunch = null;
    }

    /** {@code public}, {@code private} or {@code unknown} (AutoNAT), for status. */
    public String reachability() {
        AutoNatService a = autonat;
        return a == null ? AutoNatService.Reachability.UNKNOWN.label() : a.reachability().label();
    }

    /** Hole punches that upgraded a relayed connection and that gave up, since start. */
    public Map<String, Long> holePunches() {
        HolePunchService h = holePunch;
        return h == null ? Map.of("succeeded", 0L, "failed", 0L)
                : Map.of("succeeded", h.succeeded(), "failed", h.failed());
    }

    /** The relayed addresses this host is reachable at now (one per reservation held). */
    public List<Multiaddr> circuitAddresses() {
        RelayClient c = client;
        return c == null ? List.of() : c.circuitAddresses();
    }

    /**
     * The route to each connected peer (base58 PeerId → {@code direct}, {@code hole-punched} or
     * {@code relayed}; a direct one wins over a relayed one); empty without a host.
     */
    public static Map<String, String> routes(Libp2pHost host) {
        Map<String, String> out = new LinkedHashMap<>();
        if (host != null) {
            for (Libp2pConnection c : host.connections()) {
                if (c.isOpen()) {
                    out.merge(c.remotePeer().toBase58(), c.route(), (a, b) -> "relayed".equals(a) ? b : a);
                }
            }
        }
        return out;
    }

    /**
     * The same routes keyed by device id (the peer's Ed25519 key, base64url without padding, as
     * {@code sync.peers[].peerId} names devices), so status can show each device's route.
     */
    public static Map<String, String> deviceRoutes(Libp2pHost host) {
        Map<String, String> out = new LinkedHashMap<>();
        if (host != null) {
            for (Libp2pConnection c : host.connections()) {
                if (c.isOpen()) {
                    c.remotePeer().ed25519PublicKey().ifPresent(k -> out.merge(
                            java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(k), c.route(),
                            (a, b) -> "relayed".equals(a) ? b : a));
                }
            }
        }
        return out;
    }

    /** The status fields of NAT traversal: relays, relayReservations, routes, deviceRoutes, reachability, holePunches. */
    public Map<String, Object> status(Libp2pHost host) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("relays", relays.stream().map(Multiaddr::toString).toList());
        info.put("relayReservations", reservations().stream().map(g -> Map.of("relay", g.relayAddress().toString(),
                "expires", g.expires().toString())).toList());
        info.put("routes", routes(host));
        info.put("deviceRoutes", deviceRoutes(host));
        info.put("reachability", reachability());
        info.put("holePunches", holePunches());
        return info;
    }

    /** The reservations held now, for status. */
    public List<RelayClient.Granted> reservations() {
        RelayClient c = client;
        return c == null ? List.of() : c.reservations();
    }
}

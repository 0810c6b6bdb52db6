package io.rhizome.transport.libp2p.internal.relay;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.rhizome.transport.libp2p.internal.Libp2pConnection;
import io.rhizome.transport.libp2p.internal.Libp2pHost;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;

/**
 * The circuit relay client of a transport's host: every host can dial /p2p-circuit addresses;
 * with configured relays ({@code p2p.relays}) it also keeps a reservation on each and lists the
 * relayed addresses it is reachable at. Attached to each host the transport starts.
 */
public final class RelayAttachment {

    private final List<Multiaddr> relays;
    private volatile RelayClient client;
    private volatile RelayReservations keeper;

    public RelayAttachment(List<Multiaddr> relays) {
        this.relays = List.copyOf(relays);
    }

    public List<Multiaddr> relays() {
        return relays;
    }

    public synchronized void attach(Libp2pHost host) {
        client = RelayClient.install(host);
        if (!relays.isEmpty()) {
            keeper = new RelayReservations(client, relays, Clock.systemUTC());
        }
    }

    public synchronized void detach() {
        if (keeper != null) {
            keeper.close();
            keeper = null;
        }
        client = null;
    }

    /** The relayed addresses this host is reachable at now (one per reservation held). */
    public List<Multiaddr> circuitAddresses() {
        RelayClient c = client;
        return c == null ? List.of() : c.circuitAddresses();
    }

    /**
     * The route to each connected peer (base58 PeerId → {@code direct} or {@code relayed}; direct
     * wins when both exist); empty without a host.
     */
    public static Map<String, String> routes(Libp2pHost host) {
        Map<String, String> out = new LinkedHashMap<>();
        if (host != null) {
            for (Libp2pConnection c : host.connections()) {
                if (c.isOpen()) {
                    out.merge(c.remotePeer().toBase58(), c.isRelayed() ? "relayed" : "direct",
                            (a, b) -> "direct".equals(a) || "direct".equals(b) ? "direct" : a);
                }
            }
        }
        return out;
    }

    /** The reservations held now, for status. */
    public List<RelayClient.Granted> reservations() {
        RelayClient c = client;
        return c == null ? List.of() : c.reservations();
    }
}

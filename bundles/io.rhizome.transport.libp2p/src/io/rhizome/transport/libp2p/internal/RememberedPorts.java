package io.rhizome.transport.libp2p.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;

/**
 * Which port each port-0 listen address of one transport should ask for: the port it got at this
 * instance's earlier start, else the one the {@link ListenPortStore} remembers from an earlier run,
 * so peers' stored addresses stay valid across restarts. Thread-safe.
 */
final class RememberedPorts {

    private static final Logger LOG = LoggerFactory.getLogger(RememberedPorts.class);

    /** The addresses to listen on, and whether any of them asks for a remembered port. */
    record Plan(List<Multiaddr> addresses, boolean remembered) {
    }

    private final ListenPortStore store;
    /** Ports bound by an earlier start of this instance, by configured listen address. */
    private final Map<Multiaddr, Integer> boundBefore = new ConcurrentHashMap<>();

    RememberedPorts(ListenPortStore store) {
        this.store = store;
    }

    /** {@code configured} with every port-0 address replaced by its remembered port, where one is known. */
    Plan plan(List<Multiaddr> configured) {
        List<Multiaddr> wanted = new ArrayList<>();
        boolean remembered = false;
        for (Multiaddr a : configured) {
            Optional<Integer> port = TcpAddresses.tcpPort(a) == 0
                    ? Optional.ofNullable(boundBefore.get(a)).or(() -> store.port(a.toString()))
                    : Optional.empty();
            if (port.isPresent()) {
                wanted.add(TcpAddresses.withTcpPort(a, port.get()));
                remembered = true;
            } else {
                wanted.add(a);
            }
        }
        return new Plan(wanted, remembered);
    }

    /**
     * Remembers the ports the port-0 addresses of {@code configured} got ({@code bound}, in the same
     * order); a store that cannot write is logged, since the node runs anyway.
     */
    void bound(List<Multiaddr> configured, List<InetSocketAddress> bound) {
        Map<String, Integer> toStore = new LinkedHashMap<>();
        for (int i = 0; i < configured.size() && i < bound.size(); i++) {
            if (TcpAddresses.tcpPort(configured.get(i)) == 0) {
                boundBefore.put(configured.get(i), bound.get(i).getPort());
                toStore.put(configured.get(i).toString(), bound.get(i).getPort());
            }
        }
        if (!toStore.isEmpty()) {
            try {
                store.remember(toStore);
            } catch (IOException e) {
                LOG.warn("libp2p: cannot remember the listen ports ({}); a restart may listen on other ports", e.getMessage());
            }
        }
    }
}

package io.rhizome.core.internal.sync;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.policy.TrustedDevices.DeviceAddress;
import io.rhizome.spi.transport.PeerLink;
import io.rhizome.spi.transport.Transport;

/**
 * Opens links to peers: on request ({@link #connect}), when a trusted device is discovered on the
 * local network, and in dialling rounds to every known or trusted device without a link, with the
 * backoff of {@link Dialler}. A link that opens is handed to the orchestrator's {@code attach}.
 */
final class Connector {

    private static final Logger LOG = LoggerFactory.getLogger(Connector.class);

    /** What the connector asks of the orchestrator. */
    interface Links {
        /** Whether a session (open or opening) exists for the peer; with {@code open}, an open one. */
        boolean hasSession(String peerId, boolean open);

        void attach(PeerLink link, boolean initiator);

        boolean paused();
    }

    private final String selfId;
    private final Transports transports;
    private final PeerBook peers;
    private final Membership membership;
    private final Links links;
    private final Dialler dialler = new Dialler(System::currentTimeMillis);
    private final Map<String, String> connecting = new ConcurrentHashMap<>();

    Connector(String selfId, Transports transports, PeerBook peers, Membership membership, Links links) {
        this.selfId = selfId;
        this.transports = transports;
        this.peers = peers;
        this.membership = membership;
        this.links = links;
    }

    /** As {@link Orchestrator#connect(String, String)}; with {@code expected}, a link to another device is closed and fails. */
    CompletionStage<String> connect(String kind, String address, Optional<String> expected) {
        Optional<Transport> t = transports.started(kind);
        if (t.isEmpty()) {
            return CompletableFuture.failedFuture(new IOException("no started transport of kind '" + kind + "'"));
        }
        return t.get().connect(address).thenApply(link -> {
            if (expected.isPresent() && !expected.get().equals(link.remotePeerId())) {
                link.close();
                throw new CompletionException(new IOException("the device at " + address + " is " + link.remotePeerId()
                        + ", not " + expected.get()));
            }
            PeerRecord r = peers.getOrFresh(link.remotePeerId());
            PeerRecord.Address a = new PeerRecord.Address(kind, address);
            if (!r.addresses().contains(a)) {
                List<PeerRecord.Address> addrs = new ArrayList<>(r.addresses());
                addrs.add(a);
                peers.put(r.withAddresses(addrs));
                peers.persist(r.peerId());
            }
            links.attach(link, true);
            return link.remotePeerId();
        });
    }

    /** A transport found {@code deviceId} on the local network: dial it if it is trusted and not connected. */
    void discovered(String kind, String deviceId, String address) {
        if (links.paused() || deviceId.equals(selfId) || !membership.isTrusted(deviceId) || membership.selfRevoked()) {
            return;
        }
        if (links.hasSession(deviceId, true)) {
            return;
        }
        if (connecting.putIfAbsent(deviceId, address) != null) {
            return;
        }
        LOG.info("trusted device {} discovered at {}; connecting", deviceId, address);
        connect(kind, address, Optional.empty()).whenComplete((id, failure) -> {
            connecting.remove(deviceId);
            if (failure != null) {
                LOG.debug("connecting to discovered device {} at {} failed: {}", deviceId, address, failure.getMessage());
            }
        });
    }

    /** One dialling round: every known or trusted device without a link, at most one dial each (see {@link Dialler}). */
    void reconnect() {
        if (links.paused() || membership.selfRevoked()) {
            return;
        }
        Map<String, List<DeviceAddress>> candidates = Dialler.candidates(peers.all(), membership.devices());
        candidates.forEach((peerId, addresses) -> {
            if (peerId.equals(selfId) || links.hasSession(peerId, false) || connecting.containsKey(peerId)) {
                return;
            }
            List<DeviceAddress> usable = addresses.stream()
                    .filter(a -> transports.started(a.transportKind()).isPresent())
                    .toList();
            dialler.due(peerId, usable).ifPresent(a -> dial(peerId, a));
        });
    }

    private void dial(String peerId, DeviceAddress a) {
        connecting.put(peerId, a.address());
        connect(a.transportKind(), a.address(), Optional.of(peerId)).whenComplete((id, failure) -> {
            connecting.remove(peerId);
            if (failure == null) {
                dialler.succeeded(peerId, a);
            } else {
                dialler.failed(peerId, a);
                LOG.debug("dialling {} at {} failed (next try in {} ms or later): {}", peerId, a.address(), dialler.backoffMillis(peerId, a),
                        failure.getMessage());
            }
        });
    }
}

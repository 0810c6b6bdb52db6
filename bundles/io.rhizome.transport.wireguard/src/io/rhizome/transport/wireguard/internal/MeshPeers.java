package io.rhizome.transport.wireguard.internal;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.transport.wireguard.internal.WireGuardSettings.StaticPeer;
import io.rhizome.transport.wireguard.internal.tunnel.MeshDirectory;
import io.rhizome.transport.wireguard.internal.uapi.AllowedIp;
import io.rhizome.transport.wireguard.internal.uapi.DeviceState;
import io.rhizome.transport.wireguard.internal.uapi.PeerConfig;
import io.rhizome.transport.wireguard.internal.uapi.PeerState;
import io.rhizome.transport.wireguard.internal.uapi.UapiText;
import io.rhizome.transport.wireguard.internal.uapi.WgKey;

/**
 * Keeps the interface's WireGuard peers in step with the mesh: every trusted device that announced
 * a WireGuard key for this mesh id (through pairing), plus the configured {@code wg.peers}, which
 * win for their device (an override). A device that is revoked, or no longer trusted, has its peer
 * removed; a changed key or announced endpoints replace the peer. Each peer's allowed IPs are
 * exactly its device's derived address, which is what makes the {@link MeshDirectory} answer true.
 *
 * <p>Why endpoints rotate: a device announces every address it has; a peer is given the first, and
 * while no handshake happened {@value #ROTATE_AFTER_SECONDS} s after setting it, the next. Once a
 * handshake happened WireGuard follows the peer's endpoint by itself (roaming), so it is not set again
 * unless the device announces other endpoints.
 *
 * <p>Not thread-safe for {@link #reconcile} (the transport's one announcer thread calls it); the
 * directory and the queries answer from a concurrent map on any thread.
 */
public final class MeshPeers implements MeshDirectory {

    private static final Logger LOG = LoggerFactory.getLogger(MeshPeers.class);
    public static final int ROTATE_AFTER_SECONDS = 15;

    /** A peer as configured on the interface. */
    public record Configured(String deviceId, WgKey publicKey, Inet6Address address, List<InetSocketAddress> endpoints, int endpointIndex,
            Instant setAt, String source) {
    }

    private record Wanted(WgKey publicKey, List<InetSocketAddress> endpoints, String source) {
    }

    private final WireGuardSettings settings;
    private final String self;
    private final MeshAddresses addresses;
    private final MeshMembers members;
    private final Map<String, Configured> configured = new ConcurrentHashMap<>();
    private final Map<InetAddress, String> byAddress = new ConcurrentHashMap<>();
    private final Set<String> revokedRemoved = ConcurrentHashMap.newKeySet();
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    public MeshPeers(WireGuardSettings settings, String self, MeshMembers members) {
        this.settings = settings;
        this.self = self;
        this.addresses = new MeshAddresses(settings.meshId());
        this.members = members;
    }

    /** This device's tunnel address, given the members known now. */
    public Inet6Address selfAddress() {
        List<String> ids = new ArrayList<>(wanted().keySet());
        ids.add(self);
        return addresses.assign(ids).get(self);
    }

    @Override
    public Optional<String> deviceAt(InetAddress address) {
        return Optional.ofNullable(byAddress.get(address));
    }

    public Optional<Inet6Address> address(String deviceId) {
        return Optional.ofNullable(configured.get(deviceId)).map(Configured::address);
    }

    public List<Configured> configured() {
        List<Configured> out = new ArrayList<>(configured.values());
        out.sort(java.util.Comparator.comparing(Configured::deviceId));
        return out;
    }

    /** Devices whose peer was removed because the mesh revoked them. */
    public Set<String> revokedRemoved() {
        return Set.copyOf(revokedRemoved);
    }

    /** Starts from nothing (a new interface has no peers). */
    public void clear() {
        configured.clear();
        byAddress.clear();
        revokedRemoved.clear();
    }

    private Map<String, Wanted> wanted() {
        Map<String, Wanted> want = new LinkedHashMap<>();
        for (StaticPeer p : settings.peers()) {
            if (!p.deviceId().equals(self) && !members.revoked(p.deviceId())) {
                want.put(p.deviceId(), new Wanted(p.publicKey(), p.endpoint().map(List::of).orElse(List.of()), "configured"));
            }
        }
        for (String id : members.trusted()) {
            if (id.equals(self) || want.containsKey(id) || members.revoked(id)) {
                continue;
            }
            Map<String, String> values = members.announcement(id);
            if (values.isEmpty()) {
                continue;
            }
            Optional<WireGuardAnnouncement.Peer> peer = WireGuardAnnouncement.read(values);
            if (peer.isEmpty()) {
                warnOnce(id + "/key", "WireGuard: device {} announced no valid public key; it is not a peer", id);
                continue;
            }
            if (!peer.get().meshId().equals(settings.meshId())) {
                warnOnce(id + "/mesh/" + peer.get().meshId(), "WireGuard: device {} is in mesh id '{}', this one in '" + settings.meshId()
                        + "'; it is not a peer (set the same wg.meshId on every device)", id, peer.get().meshId());
                continue;
            }
            want.put(id, new Wanted(peer.get().publicKey(), peer.get().endpoints(), "paired"));
        }
        return want;
    }

    /**
     * Brings the interface's peers in step with the mesh. A UAPI failure for one peer is logged and
     * tried again on the next round; the others go on.
     */
    public void reconcile(WireGuardInterface wg, int keepalive) {
        Map<String, Wanted> want = wanted();
        List<String> ids = new ArrayList<>(want.keySet());
        ids.add(self);
        Map<String, Inet6Address> plan = addresses.assign(ids);
        for (Configured c : List.copyOf(configured.values())) {
            Wanted w = want.get(c.deviceId());
            if (w != null && w.publicKey().equals(c.publicKey())) {
                continue;
            }
            byAddress.remove(c.address());
            try {
                wg.removePeer(c.publicKey());
                configured.remove(c.deviceId());
                if (members.revoked(c.deviceId())) {
                    revokedRemoved.add(c.deviceId());
                    LOG.warn("WireGuard: device {} was revoked; its peer {} is removed from interface {}", c.deviceId(), c.publicKey(),
                            settings.interfaceName());
                } else {
                    LOG.info("WireGuard: device {} is no longer a peer with key {} on {}", c.deviceId(), c.publicKey(), settings.interfaceName());
                }
            } catch (IOException e) {
                LOG.error("WireGuard: could not remove the peer of device {} from {}: {}; retrying", c.deviceId(), settings.interfaceName(),
                        e.getMessage());
            }
        }
        Optional<DeviceState> state = Optional.empty();
        for (Map.Entry<String, Wanted> e : want.entrySet()) {
            String id = e.getKey();
            Wanted w = e.getValue();
            Inet6Address address = plan.get(id);
            Configured c = configured.get(id);
            int index = 0;
            if (c != null && c.address().equals(address) && c.endpoints().equals(w.endpoints())) {
                if (w.endpoints().size() < 2 || Duration.between(c.setAt(), Instant.now()).toSeconds() < ROTATE_AFTER_SECONDS) {
                    continue;
                }
                if (state.isEmpty()) {
                    state = state(wg);
                }
                boolean handshake = state.flatMap(s -> s.peer(c.publicKey())).flatMap(PeerState::lastHandshake).isPresent();
                if (handshake || state.isEmpty()) {
                    continue;
                }
                index = (c.endpointIndex() + 1) % w.endpoints().size();
                LOG.info("WireGuard: no handshake with device {} through {}; trying {}", id, UapiText.formatEndpoint(w.endpoints().get(c.endpointIndex())),
                        UapiText.formatEndpoint(w.endpoints().get(index)));
            }
            Optional<InetSocketAddress> endpoint = w.endpoints().isEmpty() ? Optional.empty() : Optional.of(w.endpoints().get(index));
            try {
                wg.putPeer(new PeerConfig(w.publicKey(), endpoint, List.of(AllowedIp.host(address)), keepalive));
            } catch (IOException ex) {
                LOG.error("WireGuard: could not configure the peer of device {} on {}: {}; retrying", id, settings.interfaceName(), ex.getMessage());
                continue;
            }
            if (c != null && !c.address().equals(address)) {
                byAddress.remove(c.address());
            }
            configured.put(id, new Configured(id, w.publicKey(), address, w.endpoints(), index, Instant.now(), w.source()));
            byAddress.put(address, id);
            if (c == null) {
                revokedRemoved.remove(id);
                LOG.info("WireGuard: device {} is a peer on {} ({}): key {}, address {}, endpoint {}", id, settings.interfaceName(), w.source(),
                        w.publicKey(), UapiText.format(address), endpoint.map(UapiText::formatEndpoint).orElse("(learnt from its packets)"));
            }
        }
    }

    private Optional<DeviceState> state(WireGuardInterface wg) {
        try {
            return Optional.of(wg.state());
        } catch (IOException e) {
            LOG.debug("WireGuard: reading {} failed: {}", settings.interfaceName(), e.getMessage());
            return Optional.empty();
        }
    }

    private void warnOnce(String key, String message, Object... args) {
        if (warned.add(key)) {
            LOG.warn(message, args);
        }
    }
}

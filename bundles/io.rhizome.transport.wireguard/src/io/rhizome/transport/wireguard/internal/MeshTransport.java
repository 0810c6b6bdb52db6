package io.rhizome.transport.wireguard.internal;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.transport.PeerLink;
import io.rhizome.spi.transport.Transport;
import io.rhizome.spi.transport.TransportDiagnostics;
import io.rhizome.spi.transport.TransportListener;
import io.rhizome.transport.wireguard.internal.WireGuardSettings.StaticPeer;
import io.rhizome.transport.wireguard.internal.tunnel.TunnelTransport;
import io.rhizome.transport.wireguard.internal.uapi.AllowedIp;
import io.rhizome.transport.wireguard.internal.uapi.DeviceState;
import io.rhizome.transport.wireguard.internal.uapi.PeerConfig;
import io.rhizome.transport.wireguard.internal.uapi.PeerState;
import io.rhizome.transport.wireguard.internal.uapi.UapiText;
import io.rhizome.transport.wireguard.internal.uapi.WgKey;

/**
 * The node's WireGuard transport: on {@link #start} it brings the mesh's interface up (key from
 * the node home, address and peers' allowed IPs from {@link MeshAddresses}), then runs a
 * {@link TunnelTransport} on the tunnel address; {@link #stop} takes both down. Where the machine
 * cannot run WireGuard it stays registered and says why: {@code start} fails with
 * "unavailable: &lt;reason&gt;" and {@link #localInfo} reports it, and the other transports go on.
 *
 * <p>Why it announces its peers to the engine every few seconds ({@link TransportListener#discovered}):
 * their tunnel addresses are derived, not announced through pairing, so this is how the engine learns
 * where to dial them, and how it dials again after a link dropped (a tunnel cut, a roaming peer whose
 * endpoint WireGuard follows by itself).
 */
public final class MeshTransport implements Transport, TransportDiagnostics {

    private static final Logger LOG = LoggerFactory.getLogger(MeshTransport.class);
    private static final Duration ANNOUNCE_EVERY = Duration.ofSeconds(3);

    private final WireGuardSettings settings;
    private final String deviceId;
    private final Path home;
    private final Optional<String> unavailable;
    private final CommandRunner commands;
    private final Map<String, Inet6Address> plan;
    private final Map<InetAddress, String> devices = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.function.Predicate<String> revoked;
    private final java.util.Set<String> removed = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private WireGuardInterface wg;
    private TunnelTransport tunnel;
    private ScheduledExecutorService announcer;

    /**
     * @param revoked whether the mesh revoked a device: its WireGuard peer is then removed from the
     *        interface (its packets no longer reach anything) and its tunnel address stops naming it
     */
    public MeshTransport(WireGuardSettings settings, String deviceId, Path home, Optional<String> unavailable, CommandRunner commands,
            java.util.function.Predicate<String> revoked) {
        this.settings = settings;
        this.revoked = revoked;
        this.deviceId = deviceId;
        this.home = home;
        this.unavailable = unavailable;
        this.commands = commands;
        List<String> members = new ArrayList<>(List.of(deviceId));
        settings.peers().forEach(p -> members.add(p.deviceId()));
        this.plan = new MeshAddresses(settings.meshId()).assign(members);
        plan.forEach((device, address) -> {
            if (!device.equals(deviceId)) {
                devices.put(address, device);
            }
        });
    }

    /** Why WireGuard cannot run here, if it cannot. */
    public Optional<String> unavailable() {
        return unavailable;
    }

    @Override
    public String kind() {
        return TunnelTransport.KIND;
    }

    @Override
    public synchronized void start(TransportListener listener) throws IOException {
        if (unavailable.isPresent()) {
            throw new IOException("unavailable: " + unavailable.get());
        }
        if (tunnel != null) {
            return;
        }
        WgKey key = KeyFile.loadOrCreate(home.resolve("wireguard.key"));
        removed.clear();
        plan.forEach((device, address) -> {
            if (!device.equals(deviceId)) {
                devices.put(address, device);
            }
        });
        Inet6Address self = plan.get(deviceId);
        InterfaceSettings is = new InterfaceSettings(settings.interfaceName(), settings.wireguardGo(),
                InterfaceSettings.DEFAULT_SOCKET_DIRECTORY, home.resolve("logs").resolve("wireguard-go.log"), Duration.ofSeconds(15));
        WireGuardInterface up = WireGuardInterface.up(is, commands, key, settings.udpPort(), self);
        try {
            for (StaticPeer p : settings.peers()) {
                if (revoked.test(p.deviceId())) {
                    devices.remove(plan.get(p.deviceId()));
                    removed.add(p.deviceId());
                    continue;
                }
                up.putPeer(new PeerConfig(p.publicKey(), p.endpoint(), List.of(AllowedIp.host(plan.get(p.deviceId()))), settings.keepaliveSeconds()));
            }
            TunnelTransport t = new TunnelTransport(self, settings.syncPort(), address -> Optional.ofNullable(devices.get(address)), 5_000);
            t.start(listener);
            wg = up;
            tunnel = t;
        } catch (IOException | RuntimeException e) {
            up.close();
            throw e;
        }
        announcer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread th = new Thread(r, "wg-announce");
            th.setDaemon(true);
            return th;
        });
        announcer.scheduleWithFixedDelay(() -> announce(listener), 0, ANNOUNCE_EVERY.toMillis(), TimeUnit.MILLISECONDS);
        LOG.info("WireGuard mesh {} on {}: this device {} at {}, {} peer(s)", settings.meshId(), settings.interfaceName(), deviceId,
                UapiText.format(self), settings.peers().size());
    }

    private void announce(TransportListener listener) {
        for (StaticPeer p : settings.peers()) {
            try {
                if (removed.contains(p.deviceId())) {
                    continue;
                }
                if (revoked.test(p.deviceId())) {
                    removeRevoked(p);
                    continue;
                }
                listener.discovered(p.deviceId(), address(p.deviceId()));
            } catch (RuntimeException e) {
                LOG.warn("WireGuard: announcing peer {} failed", p.deviceId(), e);
            }
        }
    }

    private void removeRevoked(StaticPeer p) {
        WireGuardInterface w;
        synchronized (this) {
            w = wg;
        }
        devices.remove(plan.get(p.deviceId()));
        try {
            if (w != null) {
                w.removePeer(p.publicKey());
            }
            removed.add(p.deviceId());
            LOG.warn("WireGuard: device {} was revoked; its peer {} is removed from interface {}", p.deviceId(), p.publicKey(),
                    settings.interfaceName());
        } catch (IOException e) {
            LOG.error("WireGuard: could not remove the peer of revoked device {} from {}: {}; retrying", p.deviceId(),
                    settings.interfaceName(), e.getMessage());
        }
    }

    private String address(String device) {
        return TunnelTransport.format(new InetSocketAddress(plan.get(device), settings.syncPort()));
    }

    @Override
    public synchronized void stop() {
        if (announcer != null) {
            announcer.shutdownNow();
            announcer = null;
        }
        if (tunnel != null) {
            tunnel.stop();
            tunnel = null;
        }
        if (wg != null) {
            wg.close();
            wg = null;
        }
    }

    @Override
    public CompletionStage<PeerLink> connect(String address) {
        TunnelTransport t;
        synchronized (this) {
            t = tunnel;
        }
        if (t == null) {
            return CompletableFuture.failedFuture(new IOException("the WireGuard transport is not running"
                    + unavailable.map(r -> " (unavailable: " + r + ")").orElse("") + "; cannot connect to " + address));
        }
        return t.connect(address);
    }

    @Override
    public synchronized List<String> listenAddresses() {
        return tunnel == null ? List.of() : tunnel.listenAddresses();
    }

    /** The interface this transport runs, while it runs (tests cut and restore the tunnel through it). */
    public synchronized Optional<WireGuardInterface> wireGuardInterface() {
        return Optional.ofNullable(wg);
    }

    /**
     * For {@code status} and {@code rhizome wg show}: availability, interface, public key, tunnel
     * address, UDP port, and per peer device, key, endpoint, handshake age and bytes.
     */
    @Override
    public Map<String, Object> localInfo() {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("available", unavailable.isEmpty());
        unavailable.ifPresent(r -> info.put("unavailable", r));
        info.put("interface", settings.interfaceName());
        info.put("meshId", settings.meshId());
        info.put("address", UapiText.format(plan.get(deviceId)));
        info.put("listenAddresses", listenAddresses());
        WireGuardInterface w;
        synchronized (this) {
            w = wg;
        }
        info.put("running", w != null);
        if (w == null) {
            return info;
        }
        try {
            DeviceState s = w.state();
            s.publicKey().ifPresent(k -> info.put("publicKey", k.base64()));
            info.put("udpPort", s.listenPort());
            List<Map<String, Object>> peers = new ArrayList<>();
            info.put("revokedPeers", List.copyOf(removed));
            for (StaticPeer p : settings.peers()) {
                if (removed.contains(p.deviceId())) {
                    continue;
                }
                Map<String, Object> pm = new LinkedHashMap<>();
                pm.put("deviceId", p.deviceId());
                pm.put("publicKey", p.publicKey().base64());
                pm.put("address", UapiText.format(plan.get(p.deviceId())));
                Optional<PeerState> ps = s.peer(p.publicKey());
                ps.flatMap(PeerState::endpoint).ifPresent(e -> pm.put("endpoint", UapiText.formatEndpoint(e)));
                ps.flatMap(PeerState::lastHandshake).ifPresent(h -> pm.put("handshakeAgeSeconds", Duration.between(h, Instant.now()).toSeconds()));
                pm.put("rxBytes", ps.map(PeerState::rxBytes).orElse(0L));
                pm.put("txBytes", ps.map(PeerState::txBytes).orElse(0L));
                peers.add(pm);
            }
            info.put("peers", peers);
        } catch (IOException e) {
            info.put("error", e.getMessage());
        }
        return info;
    }

    @Override
    public CompletionStage<Duration> ping(String address) {
        long t0 = System.nanoTime();
        return connect(address).thenApply(link -> {
            link.close();
            return Duration.ofNanos(System.nanoTime() - t0);
        });
    }

    @Override
    public CompletionStage<Map<String, Object>> probe(String address) {
        return connect(address).thenApply(link -> {
            Map<String, Object> m = Map.of("deviceId", link.remotePeerId(), "transport", link.transportKind());
            link.close();
            return m;
        });
    }
}

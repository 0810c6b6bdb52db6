package io.rhizome.transport.wireguard.internal;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.transport.PeerAnnouncement;
import io.rhizome.spi.transport.PeerLink;
import io.rhizome.spi.transport.ProtocolChannels;
import io.rhizome.spi.transport.Transport;
import io.rhizome.spi.transport.TransportDiagnostics;
import io.rhizome.spi.transport.TransportListener;
import io.rhizome.transport.wireguard.internal.tunnel.TunnelTransport;
import io.rhizome.transport.wireguard.internal.uapi.DeviceState;
import io.rhizome.transport.wireguard.internal.uapi.PeerState;
import io.rhizome.transport.wireguard.internal.uapi.UapiText;
import io.rhizome.transport.wireguard.internal.uapi.WgKey;

/**
 * The node's WireGuard transport: on {@link #start} it brings the mesh's interface up (key from
 * the {@link WireGuardKeys}, address from {@link MeshAddresses}), configures a peer for every
 * trusted device that announced WireGuard through pairing and every configured one
 * ({@link MeshPeers}), then runs a {@link TunnelTransport} on the tunnel address; {@link #stop}
 * takes both down. Where the machine cannot run WireGuard it stays registered and says why:
 * {@code start} fails with "unavailable: &lt;reason&gt;" and {@link #localInfo} reports it, and the
 * other transports go on.
 *
 * <p>What it announces to the mesh ({@link PeerAnnouncement}): its public key, UDP endpoints and
 * mesh id, once it runs; pairing signs and carries that to every device, whose own WireGuard
 * transport then adds this device as a peer.
 *
 * <p>Why it reconciles and announces its peers to the engine every few seconds
 * ({@link TransportListener#discovered}): the mesh changes under it (a device paired, one revoked,
 * an announcement with new endpoints), tunnel addresses are derived, not announced, so this is how
 * the engine learns where to dial them, and how it dials again after a link dropped (a tunnel cut,
 * a roaming peer whose endpoint WireGuard follows by itself).
 */
public final class MeshTransport implements Transport, TransportDiagnostics, ProtocolChannels, PeerAnnouncement {

    private static final Logger LOG = LoggerFactory.getLogger(MeshTransport.class);
    private static final Duration ANNOUNCE_EVERY = Duration.ofSeconds(3);

    private final WireGuardSettings settings;
    private final String deviceId;
    private final Path home;
    private final Optional<String> unavailable;
    private final CommandRunner commands;
    private final WireGuardKeys keys;
    private final MeshPeers peers;
    private final Map<String, TransportListener> protocols = new ConcurrentHashMap<>();
    private volatile WgKey publicKey;
    private volatile Inet6Address selfAddress;
    private WireGuardInterface wg;
    private TunnelTransport tunnel;
    private ScheduledExecutorService announcer;

    /**
     * @param members the mesh (trusted devices, their WireGuard announcements, revocations): a
     *        revoked device's WireGuard peer is removed from the interface (its packets no longer
     *        reach anything) and its tunnel address stops naming it
     */
    public MeshTransport(WireGuardSettings settings, String deviceId, Path home, Optional<String> unavailable, CommandRunner commands,
            WireGuardKeys keys, MeshMembers members) {
        this.settings = settings;
        this.deviceId = deviceId;
        this.home = home;
        this.unavailable = unavailable;
        this.commands = commands;
        this.keys = keys;
        this.peers = new MeshPeers(settings, deviceId, members);
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
        WgKey key = keys.privateKey();
        peers.clear();
        Inet6Address self = peers.selfAddress();
        InterfaceSettings is = new InterfaceSettings(settings.interfaceName(), settings.wireguardGo(),
                InterfaceSettings.DEFAULT_SOCKET_DIRECTORY, home.resolve("logs").resolve("wireguard-go.log"), Duration.ofSeconds(15));
        WireGuardInterface up = WireGuardInterface.up(is, commands, key, settings.udpPort(), self);
        try {
            peers.reconcile(up, settings.keepaliveSeconds());
            TunnelTransport t = new TunnelTransport(self, settings.syncPort(), peers, 5_000, protocols);
            t.start(listener);
            wg = up;
            tunnel = t;
        } catch (IOException | RuntimeException e) {
            up.close();
            throw e;
        }
        selfAddress = self;
        publicKey = key.publicKey();
        announcer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread th = new Thread(r, "wg-announce");
            th.setDaemon(true);
            return th;
        });
        announcer.scheduleWithFixedDelay(() -> announce(listener), 0, ANNOUNCE_EVERY.toMillis(), TimeUnit.MILLISECONDS);
        LOG.info("WireGuard mesh {} on {}: this device {} at {}, {} peer(s)", settings.meshId(), settings.interfaceName(), deviceId,
                UapiText.format(self), peers.configured().size());
    }

    private void announce(TransportListener listener) {
        WireGuardInterface w;
        synchronized (this) {
            w = wg;
        }
        if (w == null) {
            return;
        }
        try {
            peers.reconcile(w, settings.keepaliveSeconds());
        } catch (RuntimeException e) {
            LOG.warn("WireGuard: updating the peers of {} failed", settings.interfaceName(), e);
        }
        for (MeshPeers.Configured p : peers.configured()) {
            try {
                listener.discovered(p.deviceId(), TunnelTransport.format(new InetSocketAddress(p.address(), settings.syncPort())));
            } catch (RuntimeException e) {
                LOG.warn("WireGuard: announcing peer {} failed", p.deviceId(), e);
            }
        }
    }

    /** This device's WireGuard key, endpoints and mesh id while the transport runs; nothing while it does not. */
    @Override
    public Map<String, String> announcement() {
        WgKey k = publicKey;
        if (k == null) {
            return Map.of();
        }
        List<InetSocketAddress> endpoints = settings.endpoints().isEmpty()
                ? WireGuardAnnouncement.localEndpoints(settings.udpPort(), settings.interfaceName())
                : settings.endpoints();
        return WireGuardAnnouncement.of(k, endpoints, settings.meshId());
    }

    @Override
    public synchronized void stop() {
        publicKey = null;
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
        peers.clear();
    }

    @Override
    public CompletionStage<PeerLink> connect(String address) {
        return open(address, TunnelTransport.SYNC_PROTOCOL);
    }

    @Override
    public void serve(String protocol, TransportListener handler) {
        protocols.put(protocol, handler);
    }

    @Override
    public void unserve(String protocol) {
        protocols.remove(protocol);
    }

    @Override
    public CompletionStage<PeerLink> open(String address, String protocol) {
        TunnelTransport t;
        synchronized (this) {
            t = tunnel;
        }
        if (t == null) {
            return CompletableFuture.failedFuture(new IOException("the WireGuard transport is not running"
                    + unavailable.map(r -> " (unavailable: " + r + ")").orElse("") + "; cannot connect to " + address));
        }
        return t.open(address, protocol);
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
     * address, UDP port, and per peer device, key, endpoint, handshake age, bytes and whether it was
     * configured ({@code wg.peers}) or learnt through pairing.
     */
    @Override
    public Map<String, Object> localInfo() {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("available", unavailable.isEmpty());
        unavailable.ifPresent(r -> info.put("unavailable", r));
        info.put("interface", settings.interfaceName());
        info.put("meshId", settings.meshId());
        Inet6Address self = selfAddress;
        if (self != null) {
            info.put("address", UapiText.format(self));
        }
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
            List<Map<String, Object>> list = new ArrayList<>();
            info.put("revokedPeers", List.copyOf(new java.util.TreeSet<>(peers.revokedRemoved())));
            for (MeshPeers.Configured p : peers.configured()) {
                Map<String, Object> pm = new LinkedHashMap<>();
                pm.put("deviceId", p.deviceId());
                pm.put("publicKey", p.publicKey().base64());
                pm.put("address", UapiText.format(p.address()));
                pm.put("source", p.source());
                Optional<PeerState> ps = s.peer(p.publicKey());
                ps.flatMap(PeerState::endpoint).ifPresent(e -> pm.put("endpoint", UapiText.formatEndpoint(e)));
                ps.flatMap(PeerState::lastHandshake).ifPresent(h -> pm.put("handshakeAgeSeconds", Duration.between(h, Instant.now()).toSeconds()));
                pm.put("rxBytes", ps.map(PeerState::rxBytes).orElse(0L));
                pm.put("txBytes", ps.map(PeerState::txBytes).orElse(0L));
                list.add(pm);
            }
            info.put("peers", list);
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

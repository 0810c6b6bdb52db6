package io.rhizome.transport.libp2p.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.crypto.KeyService;
import io.rhizome.spi.policy.TrustedDevices;
import io.rhizome.spi.transport.PeerLink;
import io.rhizome.spi.transport.ProtocolChannels;
import io.rhizome.spi.transport.Rendezvous;
import io.rhizome.spi.transport.Transport;
import io.rhizome.spi.transport.TransportDiagnostics;
import io.rhizome.spi.transport.TransportListener;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.yamux.YamuxConfig;

/**
 * The libp2p transport as an OSGi service: a thin shell around {@link Libp2pTransport}, registered
 * as {@link Transport} and its optional capabilities.
 *
 * <p>Listen addresses and mDNS come from ConfigAdmin ({@code io.rhizome.transport.libp2p}) when it
 * sets them, else from the framework properties {@value Libp2pSettings#LISTEN_PROPERTY} and
 * {@value Libp2pSettings#MDNS_PROPERTY} (the node's rhizome.properties), else the defaults. With a
 * node home ({@code rhizome.home}), ports picked for port-0 addresses are remembered there.
 */
@Component(service = {Transport.class, ProtocolChannels.class, Rendezvous.class, TransportDiagnostics.class},
        property = Transport.KIND_PROPERTY + "=" + Libp2pTransport.KIND,
        configurationPid = "io.rhizome.transport.libp2p", configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = Libp2pTransportComponent.Config.class)
public final class Libp2pTransportComponent implements Transport, ProtocolChannels, Rendezvous, TransportDiagnostics {

    private static final Logger LOG = LoggerFactory.getLogger(Libp2pTransportComponent.class);

    @ObjectClassDefinition(name = "Rhizome libp2p transport", description = "libp2p over TCP with Noise and Yamux")
    public @interface Config {
        @AttributeDefinition(description = "TCP multiaddrs to listen on; port 0 picks a free port (remembered in the "
                + "node home). Unset: the rhizome.p2p.listen framework property, else /ip4/0.0.0.0/tcp/0", required = false)
        String[] listen() default {};

        @AttributeDefinition(description = "Receive window per stream in bytes (at least 262144)")
        int streamWindow() default 1024 * 1024;

        @AttributeDefinition(description = "Concurrent streams a peer may open before its connection is closed as a flood")
        int maxInboundStreams() default 256;

        @AttributeDefinition(description = "Bound in milliseconds on the connection handshake and stream negotiation")
        long handshakeTimeoutMillis() default 10_000;

        @AttributeDefinition(description = "Established connections beyond which new inbound ones are refused (a trusted device then takes the slot of "
                + "one that is not trusted); handshakes have their own slots (maxHandshakes)")
        int maxConnections() default 256;

        @AttributeDefinition(description = "Announce this node and find peers on the LAN with mDNS (_p2p._udp.local): "
                + "true or false. Unset: the rhizome.p2p.mdns framework property, else true", required = false)
        String mdns() default "";

        @AttributeDefinition(description = "Circuit relays (v2) to keep a reservation on, so that peers which cannot dial this node "
                + "reach it through them: /ip4|dns4/HOST/tcp/PORT/p2p/RELAY_ID. Unset: the rhizome.p2p.relays framework property "
                + "(p2p.relays in rhizome.properties), else none", required = false)
        String[] relays() default {};

        @AttributeDefinition(description = "Seconds between mDNS queries")
        int mdnsIntervalSeconds() default 10;

        @AttributeDefinition(description = "Megabytes of inbound frames all links may hold at once (at least 16)")
        int frameBudgetMegabytes() default 64;

        @AttributeDefinition(description = "Megabytes of that budget that devices which are not trusted may hold")
        int untrustedFrameBudgetMegabytes() default 8;

        @AttributeDefinition(description = "Largest frame in bytes a device that is not trusted may send")
        int untrustedMaxMessage() default 256 * 1024;

        @AttributeDefinition(description = "Inbound connections still handshaking at once (separate from maxConnections)")
        int maxHandshakes() default 64;

        @AttributeDefinition(description = "Inbound connections still handshaking from one IP address")
        int maxHandshakesPerAddress() default 8;

        @AttributeDefinition(description = "Established connections of devices that are not trusted from one IP address")
        int maxUntrustedConnectionsPerAddress() default 8;
    }

    // every trusted-device source (pairing, a team directory); a device is trusted if any of them trusts it
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private final List<TrustedDevices> trusted = new CopyOnWriteArrayList<>();

    private final Libp2pTransport delegate;

    @Activate
    public Libp2pTransportComponent(@Reference KeyService keys, Config config, BundleContext context) {
        List<Multiaddr> listen = config.listen().length > 0
                ? Arrays.stream(config.listen()).map(Libp2pSettings::parseListenAddress).toList()
                : Libp2pSettings.parseListen(context.getProperty(Libp2pSettings.LISTEN_PROPERTY));
        boolean mdns = Libp2pSettings.parseMdns(config.mdns(),
                Libp2pSettings.parseMdns(context.getProperty(Libp2pSettings.MDNS_PROPERTY), true));
        Libp2pConfig c = new Libp2pConfig(listen, "rhizome/" + context.getBundle().getVersion(), config.handshakeTimeoutMillis(),
                new YamuxConfig(config.streamWindow(), config.maxInboundStreams(), 64 * 1024), 2, config.maxConnections());
        String home = context.getProperty("rhizome.home");
        ListenPortStore ports = home == null || home.isBlank() ? ListenPortStore.NONE
                : new FileListenPortStore(Path.of(home).resolve(FileListenPortStore.FILE_NAME));
        LOG.info("libp2p transport configured: listen {}, mDNS {}", listen, mdns ? "on" : "off");
        this.delegate = new Libp2pTransport(new KeyServiceSigner(keys), c,
                mdns ? Duration.ofSeconds(config.mdnsIntervalSeconds()) : null, ports);
        delegate.relays(config.relays().length > 0 ? Libp2pSettings.parseRelays(String.join(",", config.relays()))
                : Libp2pSettings.parseRelays(context.getProperty(Libp2pSettings.RELAYS_PROPERTY)));
        delegate.inbound(this::trusts, new InboundLimits((long) config.frameBudgetMegabytes() << 20,
                (long) config.untrustedFrameBudgetMegabytes() << 20, config.untrustedMaxMessage(), config.maxHandshakes(),
                config.maxHandshakesPerAddress(), config.maxUntrustedConnectionsPerAddress()));
    }

    private boolean trusts(io.rhizome.transport.libp2p.internal.multiformats.PeerId peer) {
        Optional<byte[]> key = peer.ed25519PublicKey();
        if (key.isEmpty()) {
            return false;
        }
        String device = Base64.getUrlEncoder().withoutPadding().encodeToString(key.get());
        for (TrustedDevices t : trusted) {
            try {
                if (t.isTrusted(device)) {
                    return true;
                }
            } catch (RuntimeException e) {
                // the SPI says a failing service means "not trusted"
                LOG.debug("TrustedDevices.isTrusted threw for {}: {}", device, e.getMessage());
            }
        }
        return false;
    }

    @Deactivate
    void deactivate() {
        delegate.stop();
    }

    /** The running libp2p transport, for daemon commands (status, ping, connect). */
    public Libp2pTransport transport() {
        return delegate;
    }

    @Override
    public String kind() {
        return delegate.kind();
    }

    @Override
    public void start(TransportListener listener) throws IOException {
        delegate.start(listener);
    }

    @Override
    public void stop() {
        delegate.stop();
    }

    @Override
    public CompletionStage<PeerLink> connect(String address) {
        return delegate.connect(address);
    }

    @Override
    public List<String> listenAddresses() {
        return delegate.listenAddresses();
    }

    @Override
    public void serve(String protocol, TransportListener handler) {
        delegate.serve(protocol, handler);
    }

    @Override
    public void unserve(String protocol) {
        delegate.unserve(protocol);
    }

    @Override
    public CompletionStage<PeerLink> open(String address, String protocol) {
        return delegate.open(address, protocol);
    }

    @Override
    public AutoCloseable advertise(String key) throws IOException {
        return delegate.advertise(key);
    }

    @Override
    public CompletionStage<List<String>> find(String key, Duration timeout) {
        return delegate.find(key, timeout);
    }

    @Override
    public Map<String, Object> localInfo() {
        return delegate.localInfo();
    }

    @Override
    public CompletionStage<Duration> ping(String address) {
        return delegate.ping(address);
    }

    @Override
    public CompletionStage<Map<String, Object>> probe(String address) {
        return delegate.probe(address);
    }
}

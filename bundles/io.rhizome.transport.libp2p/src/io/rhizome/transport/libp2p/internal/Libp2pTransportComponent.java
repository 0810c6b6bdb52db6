package io.rhizome.transport.libp2p.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletionStage;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import io.rhizome.spi.crypto.KeyService;
import io.rhizome.spi.transport.PeerLink;
import io.rhizome.spi.transport.Transport;
import io.rhizome.spi.transport.TransportListener;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.yamux.YamuxConfig;

/** The libp2p transport as an OSGi service: a thin shell around {@link Libp2pTransport}. */
@Component(service = Transport.class, property = Transport.KIND_PROPERTY + "=" + Libp2pTransport.KIND,
        configurationPid = "io.rhizome.transport.libp2p", configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = Libp2pTransportComponent.Config.class)
public final class Libp2pTransportComponent implements Transport {

    @ObjectClassDefinition(name = "Rhizome libp2p transport", description = "libp2p over TCP with Noise and Yamux")
    public @interface Config {
        @AttributeDefinition(description = "TCP multiaddrs to listen on; port 0 picks a free port")
        String[] listen() default {"/ip4/0.0.0.0/tcp/0"};

        @AttributeDefinition(description = "Receive window per stream in bytes (at least 262144)")
        int streamWindow() default 1024 * 1024;

        @AttributeDefinition(description = "Concurrent streams a peer may open before its connection is closed as a flood")
        int maxInboundStreams() default 256;

        @AttributeDefinition(description = "Bound in milliseconds on the connection handshake and stream negotiation")
        long handshakeTimeoutMillis() default 10_000;

        @AttributeDefinition(description = "Open connections beyond which new inbound connections are refused")
        int maxConnections() default 256;

        @AttributeDefinition(description = "Announce this node and find peers on the LAN with mDNS (_p2p._udp.local)")
        boolean mdns() default true;

        @AttributeDefinition(description = "Seconds between mDNS queries")
        int mdnsIntervalSeconds() default 10;
    }

    private final Libp2pTransport delegate;

    @Activate
    public Libp2pTransportComponent(@Reference KeyService keys, Config config, BundleContext context) {
        Libp2pConfig c = new Libp2pConfig(Arrays.stream(config.listen()).map(Multiaddr::parse).toList(),
                "rhizome/" + context.getBundle().getVersion(), config.handshakeTimeoutMillis(),
                new YamuxConfig(config.streamWindow(), config.maxInboundStreams(), 64 * 1024), 2, config.maxConnections());
        this.delegate = new Libp2pTransport(new KeyServiceSigner(keys), c,
                config.mdns() ? Duration.ofSeconds(config.mdnsIntervalSeconds()) : null);
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
}

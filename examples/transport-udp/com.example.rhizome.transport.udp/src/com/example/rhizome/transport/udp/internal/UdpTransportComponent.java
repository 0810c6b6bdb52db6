package com.example.rhizome.transport.udp.internal;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletionStage;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.crypto.KeyService;
import io.rhizome.spi.transport.PeerLink;
import io.rhizome.spi.transport.ProtocolChannels;
import io.rhizome.spi.transport.Transport;
import io.rhizome.spi.transport.TransportListener;

/**
 * The transport as an OSGi service ({@code transport.kind=udp}): the engine picks it up when this
 * bundle starts and drops it when it stops, like any transport. The device's identity is the
 * node's {@link KeyService} (the key never leaves it: the handshake asks it to sign).
 */
@Component(service = { Transport.class, ProtocolChannels.class }, property = Transport.KIND_PROPERTY + "=" + UdpTransport.KIND)
public final class UdpTransportComponent implements Transport, ProtocolChannels {

    private static final Logger LOG = LoggerFactory.getLogger(UdpTransportComponent.class);

    private final UdpTransport transport;

    @Activate
    public UdpTransportComponent(@Reference KeyService keys, BundleContext context) {
        Identity identity = new Identity() {
            @Override
            public byte[] publicKey() {
                return keys.identityPublicKey();
            }

            @Override
            public byte[] sign(byte[] message) throws Exception {
                return keys.signWithIdentity(message);
            }
        };
        transport = new UdpTransport(identity, UdpSettings.listen(context.getProperty("rhizome.home")));
    }

    @Deactivate
    void deactivate() {
        transport.stop();
        LOG.info("udp transport stopped");
    }

    @Override
    public String kind() {
        return transport.kind();
    }

    @Override
    public void start(TransportListener listener) throws IOException {
        transport.start(listener);
        LOG.info("udp transport listening on {}", transport.listenAddresses());
    }

    @Override
    public void stop() {
        transport.stop();
    }

    @Override
    public CompletionStage<PeerLink> connect(String address) {
        return transport.connect(address);
    }

    @Override
    public List<String> listenAddresses() {
        return transport.listenAddresses();
    }

    @Override
    public void serve(String protocol, TransportListener handler) {
        transport.serve(protocol, handler);
    }

    @Override
    public void unserve(String protocol) {
        transport.unserve(protocol);
    }

    @Override
    public CompletionStage<PeerLink> open(String address, String protocol) {
        return transport.open(address, protocol);
    }
}

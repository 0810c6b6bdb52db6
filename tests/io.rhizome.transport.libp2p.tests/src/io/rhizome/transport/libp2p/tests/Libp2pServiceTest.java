package io.rhizome.transport.libp2p.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;

import io.rhizome.spi.crypto.KeyService;
import io.rhizome.spi.transport.PeerLink;
import io.rhizome.spi.transport.ProtocolChannels;
import io.rhizome.spi.transport.Rendezvous;
import io.rhizome.spi.transport.TransportDiagnostics;
import io.rhizome.spi.transport.Transport;
import io.rhizome.testsupport.Await;
import io.rhizome.transport.libp2p.internal.IdentifyInfo;
import io.rhizome.transport.libp2p.internal.Libp2pConnection;
import io.rhizome.transport.libp2p.internal.Libp2pHost;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.multiformats.PeerId;

/** The DS component: registered as a libp2p Transport once a KeyService exists, configured through ConfigAdmin. */
class Libp2pServiceTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private BundleContext context;
    private ServiceTracker<Transport, Transport> tracker;
    private ServiceRegistration<KeyService> keys;
    private Configuration config;
    private Libp2pHost client;

    @BeforeEach
    void setUp() throws Exception {
        context = FrameworkUtil.getBundle(Libp2pServiceTest.class).getBundleContext();
        for (Bundle b : context.getBundles()) {
            if ("io.rhizome.transport.libp2p".equals(b.getSymbolicName()) && b.getState() != Bundle.ACTIVE) {
                b.start();
            }
        }
        ServiceReference<ConfigurationAdmin> cmRef = context.getServiceReference(ConfigurationAdmin.class);
        config = context.getService(cmRef).getConfiguration("io.rhizome.transport.libp2p", "?");
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("listen", new String[] {"/ip4/127.0.0.1/tcp/0"});
        // tests stay on loopback: no multicast on the LAN
        props.put("mdns", Boolean.FALSE);
        config.update(props);
        tracker = new ServiceTracker<>(context, context.createFilter("(&(objectClass=" + Transport.class.getName()
                + ")(transport.kind=libp2p))"), null);
        tracker.open();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (client != null) {
            client.stop();
        }
        if (keys != null) {
            keys.unregister();
        }
        tracker.close();
        config.delete();
    }

    @Test
    void transportAppearsWithAKeyServiceAndServesLoopback() throws Exception {
        assertNull(tracker.waitForService(500), "no transport without a device identity");
        TestKeys identity = TestKeys.random();
        keys = context.registerService(KeyService.class, identity, null);
        Transport t = tracker.waitForService(WAIT.toMillis());
        assertEquals("libp2p", t.kind());
        assertTrue(t.listenAddresses().isEmpty());
        // the optional capabilities: on the Transport object and as services of their own
        assertTrue(t instanceof ProtocolChannels && t instanceof Rendezvous && t instanceof TransportDiagnostics);
        for (Class<?> capability : List.of(ProtocolChannels.class, Rendezvous.class, TransportDiagnostics.class)) {
            ServiceReference<?>[] refs = context.getServiceReferences(capability.getName(), "(transport.kind=libp2p)");
            assertTrue(refs != null && refs.length == 1, capability.getSimpleName() + " registered");
        }
        assertEquals(identity.peerId().toBase58(), ((TransportDiagnostics) t).localInfo().get("peerId"));

        List<PeerLink> inbound = new CopyOnWriteArrayList<>();
        t.start(inbound::add);
        String addr = t.listenAddresses().get(0);
        assertTrue(addr.startsWith("/ip4/127.0.0.1/tcp/"), addr);
        assertEquals(identity.peerId().toBase58(), Multiaddr.parse(addr).peerId().orElseThrow().toBase58());

        client = Nodes.host();
        client.start();
        Libp2pConnection c = client.dial(Multiaddr.parse(addr)).get(15, TimeUnit.SECONDS);
        assertEquals(identity.peerId(), c.remotePeer());
        IdentifyInfo info = c.identified().get(15, TimeUnit.SECONDS);
        assertTrue(info.agentVersion().startsWith("rhizome/0.1.0"), info.agentVersion());
        assertTrue(info.protocols().contains("/rhizome/sync/1.0.0"), info.protocols().toString());

        // the identity goes away: the component deactivates and closes its connections
        keys.unregister();
        keys = null;
        c.closeFuture().get(15, TimeUnit.SECONDS);
        Await.until(WAIT, "transport service gone", () -> tracker.getService() == null);
    }
}

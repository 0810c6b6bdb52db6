package io.rhizome.core.tests.hotswap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.util.tracker.ServiceTracker;

import com.fasterxml.jackson.databind.node.IntNode;

import io.rhizome.api.SyncService;
import io.rhizome.api.SyncState;
import io.rhizome.api.SyncStatus;
import io.rhizome.core.internal.engine.CryptoSealer;
import io.rhizome.core.tests.engine.TestKeys;
import io.rhizome.spi.crypto.EncryptionProvider;
import io.rhizome.spi.crypto.KeyService;
import io.rhizome.core.internal.engine.NamespaceCatalog;
import io.rhizome.core.internal.engine.SyncEngine;
import io.rhizome.core.internal.service.Node;
import io.rhizome.core.internal.service.SyncServiceImpl;
import io.rhizome.core.internal.sync.SyncEvents;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.namespace.SyncScope;
import io.rhizome.spi.policy.SyncPolicy;
import io.rhizome.spi.store.ReplicaStore;
import io.rhizome.testsupport.Await;
import io.rhizome.testsupport.MemoryReplicaStore;
import io.rhizome.transport.memory.MemoryNetwork;
import io.rhizome.transport.memory.MemoryTransport;

/**
 * The DS {@code SyncService} in the framework syncs with a plain node over the {@code memory}
 * transport bundle; the transport bundle is stopped in the middle of a sync and started again.
 * Writes made meanwhile queue up and all of them flow once the transport is back.
 */
class TransportHotSwapTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String TRANSPORT_PID = "io.rhizome.transport.memory";
    private static final String POLICY_PID = "io.rhizome.policy.personal";
    private static final String NS = "hot";
    private static final int KEYS = 300;

    private BundleContext context;
    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();
    private final List<Configuration> configurations = new ArrayList<>();
    private final List<ServiceTracker<?, ?>> trackers = new ArrayList<>();
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final AtomicBoolean stopWriter = new AtomicBoolean();
    private Thread writer;
    private Node peer;
    /** The peer's keys: a fresh identity that holds the DS node's mesh key, as a paired device would. */
    private TestKeys peerKeys;
    private String peerId;
    private EncryptionProvider bc;
    private MemoryTransport peerTransport;
    private Bundle transportBundle;

    @BeforeEach
    void setUp() throws Exception {
        context = FrameworkUtil.getBundle(TransportHotSwapTest.class).getBundleContext();
        for (String bsn : List.of("io.rhizome.core", "io.rhizome.crdt", "io.rhizome.transport.memory", "io.rhizome.policy.personal")) {
            Bundle b = bundle(bsn);
            if (b.getState() != Bundle.ACTIVE) {
                b.start();
            }
        }
        transportBundle = bundle("io.rhizome.transport.memory");
    }

    @AfterEach
    void tearDown() throws Exception {
        stopWriter.set(true);
        if (writer != null) {
            writer.join(TimeUnit.SECONDS.toMillis(30));
        }
        if (peer != null) {
            peer.orchestrator().removeTransport(peerTransport);
            peer.close();
        }
        for (Configuration c : configurations) {
            c.delete();
        }
        for (ServiceRegistration<?> r : registrations) {
            r.unregister();
        }
        for (ServiceTracker<?, ?> t : trackers) {
            t.close();
        }
        if (transportBundle.getState() != Bundle.ACTIVE) {
            transportBundle.start();
        }
    }

    private Bundle bundle(String bsn) {
        return Arrays.stream(context.getBundles()).filter(b -> bsn.equals(b.getSymbolicName())).findFirst()
                .orElseThrow(() -> new AssertionError("bundle " + bsn + " is installed"));
    }

    private <T> T service(Class<T> type, String filter) throws Exception {
        ServiceTracker<T, T> t = filter == null ? new ServiceTracker<>(context, type, null)
                : new ServiceTracker<>(context, context.createFilter("(&(" + Constants.OBJECTCLASS + "=" + type.getName() + ")" + filter + ")"),
                        null);
        t.open();
        trackers.add(t);
        T s = t.waitForService(WAIT.toMillis());
        assertNotNull(s, type.getSimpleName() + " service " + (filter == null ? "" : filter));
        return s;
    }

    private void configure(ConfigurationAdmin admin, String pid, Dictionary<String, Object> props) throws Exception {
        Configuration c = admin.getConfiguration(pid, "?");
        c.update(props);
        configurations.add(c);
    }

    /** A plain node (no DS) on the same network whose policy allows everyone. */
    private Node startPeer(MemoryNetwork network) throws Exception {
        ServiceTracker<CrdtType, CrdtType> types = new ServiceTracker<>(context, CrdtType.class, null);
        types.open();
        trackers.add(types);
        Await.until(WAIT, "the built-in CRDT types are registered", () -> types.size() >= 10);
        NamespaceCatalog catalog = new NamespaceCatalog();
        catalog.defaults(new NamespaceCatalog.Defaults(true, "lww-register", SyncScope.FULL));
        SyncPolicy allowAll = new SyncPolicy() {
            @Override
            public Decision canSend(String peerId, String namespace) {
                return Decision.ALLOW;
            }

            @Override
            public Decision canReceive(String peerId, String namespace, String author) {
                return Decision.ALLOW;
            }
        };
        Node n = new Node(new Node.Parts(peerId, new MemoryReplicaStore(), name -> {
            for (ServiceReference<CrdtType> ref : types.getServiceReferences()) {
                if (name.equals(ref.getProperty(CrdtType.TYPE_PROPERTY))) {
                    return Optional.ofNullable(types.getService(ref));
                }
            }
            return Optional.empty();
        }, catalog, () -> new CryptoSealer(() -> Optional.of(bc), peerKeys), () -> Optional.of(allowAll), 300_000,
                SyncEngine.Config.DEFAULT)).start();
        peerTransport = network.endpoint(peerId);
        n.orchestrator().addTransport(peerTransport);
        return n;
    }

    private List<Event> eventsOn(String topic) {
        return events.stream().filter(e -> e.getTopic().equals(topic)).toList();
    }

    @Test
    void aTransportBundleStoppedMidSyncAndStartedAgainLosesNothing() throws Exception {
        Hashtable<String, Object> handlerProps = new Hashtable<>();
        handlerProps.put(EventConstants.EVENT_TOPIC, "io/rhizome/sync/*");
        registrations.add(context.registerService(EventHandler.class, events::add, handlerProps));

        MemoryNetwork network = new MemoryNetwork();
        registrations.add(context.registerService(MemoryNetwork.class, network, new Hashtable<>()));
        MemoryReplicaStore store = new MemoryReplicaStore();
        Hashtable<String, Object> storeProps = new Hashtable<>();
        storeProps.put(ReplicaStore.KIND_PROPERTY, "memory");
        storeProps.put(Constants.SERVICE_RANKING, 1000);
        registrations.add(context.registerService(ReplicaStore.class, store, storeProps));

        SyncService ds = service(SyncService.class, null);
        SyncServiceImpl dsNode = (SyncServiceImpl) ds;
        assertTrue(dsNode.engine().runsOn(store), "the SyncService runs on the store this test registered");
        String dsId = ds.deviceId();

        // Change sets are signed and encrypted end to end: the peer shares the DS node's mesh key.
        bc = service(EncryptionProvider.class, "(" + EncryptionProvider.PROVIDER_PROPERTY + "=bc)");
        KeyService dsKeys = service(KeyService.class, null);
        assertEquals(dsKeys.deviceId(), dsId, "the SyncService's device id is its identity key");
        peerKeys = new TestKeys(bc, dsKeys.currentMeshKey());
        peerId = peerKeys.deviceId();

        ConfigurationAdmin admin = service(ConfigurationAdmin.class, null);
        Hashtable<String, Object> policyProps = new Hashtable<>();
        policyProps.put("trustedDevices", new String[] { peerId });
        configure(admin, POLICY_PID, policyProps);
        SyncPolicy personal = service(SyncPolicy.class, "(" + SyncPolicy.NAME_PROPERTY + "=personal)");
        Await.until(WAIT, "the personal policy trusts " + peerId, () -> personal.canReceive(peerId, NS, peerId).allowed());
        Hashtable<String, Object> transportProps = new Hashtable<>();
        transportProps.put("device.id", dsId);
        configure(admin, TRANSPORT_PID, transportProps);
        Await.until(WAIT, "the SyncService listens on the memory network",
                () -> dsNode.orchestrator().listenAddresses().contains(MemoryNetwork.address(dsId)));

        peer = startPeer(network);
        String connected = peer.orchestrator().connect(MemoryNetwork.KIND, MemoryNetwork.address(dsId)).toCompletableFuture().get(30,
                TimeUnit.SECONDS);
        assertEquals(dsId, connected);
        Await.until(WAIT, "the SyncService sees the peer", () -> ds.status().connectedPeers() == 1);

        // Write on the DS service from another thread, continuously, while it syncs.
        AtomicInteger written = new AtomicInteger();
        AtomicReference<Throwable> writerFailure = new AtomicReference<>();
        writer = new Thread(() -> {
            try {
                for (int i = 0; i < 200_000 && !stopWriter.get(); i++) {
                    ds.put(NS, "k" + (i % KEYS), IntNode.valueOf(i));
                    written.incrementAndGet();
                }
            } catch (Throwable t) {
                writerFailure.set(t);
            }
        }, "hot-swap-writer");
        writer.start();
        String stream = NS + "|" + dsId;
        Await.until(WAIT, "the peer has received part of the writes", () -> peer.engine().versions().getOrDefault(stream, 0L) >= 500);

        transportBundle.stop();
        Await.until(WAIT, "the SyncService is offline", () -> {
            SyncStatus s = ds.status();
            return !s.online() && s.connectedPeers() == 0 && s.state() == SyncState.OFFLINE;
        });
        Await.until(WAIT, "the peer sees the link go down", () -> peer.orchestrator().session(dsId).isEmpty());
        long pendingOffline = ds.status().pendingMutations();
        int writtenOffline = written.get();
        Await.until(WAIT, "1,000 more writes while offline", () -> written.get() >= writtenOffline + 1000 || writerFailure.get() != null);
        stopWriter.set(true);
        writer.join(TimeUnit.SECONDS.toMillis(30));
        assertEquals(null, writerFailure.get(), "writes keep working while the transport is gone");
        for (int i = 0; i < 100; i++) {
            peer.service().put(NS, "p" + i, IntNode.valueOf(i));
        }
        SyncStatus offline = ds.status();
        assertEquals(SyncState.OFFLINE, offline.state());
        assertTrue(offline.pendingMutations() >= pendingOffline + 1000,
                "queued writes are counted: " + pendingOffline + " then " + offline.pendingMutations());
        long held = peer.engine().versions().getOrDefault(stream, 0L);
        long total = dsNode.engine().versions().get(stream);
        assertEquals(written.get(), total, "every write returned only once durable");
        assertTrue(held < total, "the peer lacks the writes made while offline (" + held + " of " + total + ")");
        assertTrue(ds.get(NS, "p0").isEmpty());

        transportBundle.start();
        Await.until(WAIT, "everything flows both ways again",
                () -> peer.engine().versions().equals(dsNode.engine().versions()));
        assertEquals(total, peer.engine().versions().get(stream));
        assertEquals(ds.keys(NS), peer.service().keys(NS));
        assertEquals(KEYS + 100, ds.keys(NS).size());
        for (String key : ds.keys(NS)) {
            assertEquals(ds.get(NS, key), peer.service().get(NS, key), "value of " + key);
        }
        Await.until(WAIT, "the SyncService sees every write acknowledged", () -> ds.status().pendingMutations() == 0);
        Await.until(WAIT, "the SyncService is online and idle", () -> {
            SyncStatus s = ds.status();
            return s.online() && s.connectedPeers() == 1 && s.state() == SyncState.IDLE && s.lastSyncTime().isPresent();
        });

        Await.until(WAIT, "EventAdmin delivered connect, disconnect and update events",
                () -> eventsOn(SyncEvents.TOPIC_PEER_CONNECTED).size() >= 2 && !eventsOn(SyncEvents.TOPIC_PEER_DISCONNECTED).isEmpty()
                        && eventsOn(SyncEvents.TOPIC_ENTITIES_UPDATED).stream()
                                .anyMatch(e -> Arrays.asList((String[]) e.getProperty("keys")).contains(NS + "/p0")));
        for (Event e : eventsOn(SyncEvents.TOPIC_PEER_CONNECTED)) {
            assertEquals(peerId, e.getProperty("peer"));
            assertEquals(MemoryNetwork.KIND, e.getProperty("transport"));
        }
        assertEquals(peerId, eventsOn(SyncEvents.TOPIC_PEER_DISCONNECTED).get(0).getProperty("peer"));
        assertFalse(events.stream().anyMatch(e -> e.getTopic().equals(SyncEvents.TOPIC_ERROR)), "no sync errors: " + eventsOn(SyncEvents.TOPIC_ERROR)
                .stream().map(e -> String.valueOf(e.getProperty("message"))).toList());
        assertTrue(eventsOn(SyncEvents.TOPIC_ENTITIES_UPDATED).stream()
                .allMatch(e -> Arrays.asList((String[]) e.getProperty("namespaces")).equals(List.of(NS))));
    }
}

package io.rhizome.core.tests.hotswap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Hashtable;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.util.tracker.ServiceTracker;

import com.fasterxml.jackson.databind.node.IntNode;

import io.rhizome.api.SyncException;
import io.rhizome.api.SyncService;
import io.rhizome.core.internal.component.SyncServiceComponent;
import io.rhizome.core.internal.service.SyncServiceImpl;
import io.rhizome.spi.store.ReplicaStore;
import io.rhizome.testsupport.Await;
import io.rhizome.testsupport.MemoryReplicaStore;

/**
 * The {@link SyncService} in the registry is the engine's implementation itself (no forwarding
 * component), registered with the component's properties while a node runs on the best store, and
 * replaced by a new node's when a better store arrives or the one in use leaves.
 */
class SyncServiceRegistrationTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private BundleContext context;
    private ServiceTracker<SyncService, SyncService> tracker;
    private ServiceRegistration<ReplicaStore> a;
    private ServiceRegistration<ReplicaStore> b;

    @BeforeEach
    void setUp() throws Exception {
        context = FrameworkUtil.getBundle(SyncServiceRegistrationTest.class).getBundleContext();
        for (Bundle bundle : context.getBundles()) {
            if (("io.rhizome.core".equals(bundle.getSymbolicName()) || "io.rhizome.crdt".equals(bundle.getSymbolicName()))
                    && bundle.getState() != Bundle.ACTIVE) {
                bundle.start();
            }
        }
        tracker = new ServiceTracker<>(context, SyncService.class, null);
        tracker.open();
    }

    @AfterEach
    void tearDown() {
        for (ServiceRegistration<ReplicaStore> r : new ServiceRegistration[] { a, b }) {
            if (r != null) {
                try {
                    r.unregister();
                } catch (IllegalStateException alreadyGone) {
                    // unregistered by the test itself
                }
            }
        }
        tracker.close();
    }

    private ServiceRegistration<ReplicaStore> store(MemoryReplicaStore store, int ranking) {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(ReplicaStore.KIND_PROPERTY, "memory");
        props.put(Constants.SERVICE_RANKING, ranking);
        return context.registerService(ReplicaStore.class, store, props);
    }

    /** The one registered SyncService, once it runs on {@code store}. */
    private SyncServiceImpl serviceOn(ReplicaStore store) {
        Await.until(WAIT, "the SyncService runs on " + store, () -> {
            ServiceReference<SyncService>[] refs = tracker.getServiceReferences();
            return refs != null && refs.length == 1 && tracker.getService(refs[0]) instanceof SyncServiceImpl s && s.engine().runsOn(store);
        });
        return (SyncServiceImpl) tracker.getService();
    }

    @Test
    void theServiceIsTheImplementationAndANewNodesWhenTheStoreChanges() throws Exception {
        boolean storeBefore = context.getServiceReferences(ReplicaStore.class, null).size() > 0;
        MemoryReplicaStore storeA = new MemoryReplicaStore();
        a = store(storeA, 3000);
        SyncServiceImpl first = serviceOn(storeA);
        ServiceReference<SyncService> ref = tracker.getServiceReference();
        assertEquals(SyncServiceComponent.class.getName(), ref.getProperty("component.name"), "registered with the component's properties");
        assertTrue(ref.getProperty("component.id") instanceof Long, "component.id is kept");
        first.put("registration", "k", IntNode.valueOf(1));
        assertEquals(Optional.of(IntNode.valueOf(1)), first.get("registration", "k"));

        MemoryReplicaStore storeB = new MemoryReplicaStore();
        b = store(storeB, 4000);
        SyncServiceImpl second = serviceOn(storeB);
        assertNotSame(first, second, "a better store restarts the engine under a new service object");
        SyncException refused = assertThrows(SyncException.class, () -> first.put("registration", "k", IntNode.valueOf(2)));
        assertEquals(SyncException.Reason.CLOSED, refused.reason(), "the old service object refuses writes once its node stopped");
        assertEquals(Optional.empty(), second.get("registration", "k"), "the new node runs on the new store");

        b.unregister();
        b = null;
        SyncServiceImpl third = serviceOn(storeA);
        assertEquals(Optional.of(IntNode.valueOf(1)), third.get("registration", "k"), "back on the first store, its data is there");

        a.unregister();
        a = null;
        if (!storeBefore) {
            Await.until(WAIT, "no SyncService without a store", () -> tracker.getServiceReferences() == null);
        }
    }
}

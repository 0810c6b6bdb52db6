package io.rhizome.hub.internal;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.api.CloudService;
import io.rhizome.spi.crypto.KeyService;
import io.rhizome.spi.policy.TrustedDevices;
import io.rhizome.spi.store.MetadataSpace;
import io.rhizome.spi.transport.PeerAnnouncement;
import io.rhizome.spi.transport.Transport;

/**
 * On a device (a node with the cloud fallback; a hub has none, so this stays unsatisfied there):
 * announces the hubs this device uses to its mesh and adds the hubs the other devices use
 * ({@link HubSharing}), checking every {@value #CHECK_SECONDS} s. Pairing finds the announcement as
 * a {@link PeerAnnouncement} service of kind {@value HubRecord#KIND}.
 */
@Component(service = PeerAnnouncement.class, property = Transport.KIND_PROPERTY + "=" + HubRecord.KIND)
public final class HubSharingComponent implements PeerAnnouncement {

    static final int CHECK_SECONDS = 3;
    private static final Logger LOG = LoggerFactory.getLogger(HubSharingComponent.class);

    private final List<TrustedDevices> trusted = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "rhizome-hub-sharing");
        t.setDaemon(true);
        return t;
    });
    private final HubSharing sharing;

    @Activate
    public HubSharingComponent(@Reference CloudService clouds, @Reference KeyService keys,
            @Reference(policyOption = ReferencePolicyOption.GREEDY) MetadataSpace space) {
        // the MetadataSpace service is bundle-scoped: this is the hub bundle's own space of the device's store
        sharing = new HubSharing(() -> clouds, () -> List.copyOf(trusted), space, keys.deviceId());
        executor.scheduleWithFixedDelay(this::check, CHECK_SECONDS, CHECK_SECONDS, TimeUnit.SECONDS);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addTrustedDevices(TrustedDevices t) {
        trusted.add(t);
    }

    void removeTrustedDevices(TrustedDevices t) {
        trusted.remove(t);
    }

    private void check() {
        try {
            sharing.check();
        } catch (Exception e) {
            LOG.warn("hub: checking the hubs of the mesh failed: {}", e.toString());
        }
    }

    @Override
    public Map<String, String> announcement() {
        return sharing.announcement();
    }

    @Deactivate
    void deactivate() {
        executor.shutdownNow();
    }
}

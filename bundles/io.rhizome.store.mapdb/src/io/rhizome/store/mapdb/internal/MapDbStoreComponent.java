package io.rhizome.store.mapdb.internal;

import java.nio.file.Path;
import java.util.Hashtable;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceFactory;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.store.LogSummary;
import io.rhizome.spi.store.MetadataOwner;
import io.rhizome.spi.store.MetadataSpace;
import io.rhizome.spi.store.ReplicaStore;
import io.rhizome.spi.store.StoreException;

/**
 * Opens the MapDB store and registers it as the {@link ReplicaStore} service
 * ({@code store.kind=mapdb}), with the bundle-scoped {@link MetadataSpace} service (each bundle gets
 * the space of its own symbolic name) and the {@link LogSummary}. The services are registered by
 * hand, after the files are open, so that a corrupt or locked folder leaves no service behind (only
 * an error in the log naming the file). A configuration change re-opens the store.
 */
@Component(configurationPid = MapDbStoreComponent.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        immediate = true, service = {})
@Designate(ocd = StoreConfig.class)
public class MapDbStoreComponent {

    static final String PID = "io.rhizome.store.mapdb";
    static final String HOME_PROPERTY = "rhizome.home";
    static final String KIND = "mapdb";

    private static final Logger LOG = LoggerFactory.getLogger(MapDbStoreComponent.class);

    private MapDbReplicaStore store;
    private ServiceRegistration<ReplicaStore> registration;
    private ServiceRegistration<MetadataSpace> spaces;
    private ServiceRegistration<LogSummary> summary;

    @Activate
    void activate(BundleContext context, StoreConfig config) {
        Path folder = folder(config, context.getProperty(HOME_PROPERTY), System.getProperty("user.home"));
        StoreSettings settings = new StoreSettings(folder, config.maxBatchEntries(), config.queueCapacity(),
                config.cacheMegabytes());
        try {
            store = MapDbReplicaStore.open(settings);
        } catch (StoreException e) {
            LOG.error("replica store not started, no ReplicaStore service registered: {}", e.getMessage());
            return;
        }
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(ReplicaStore.KIND_PROPERTY, KIND);
        props.put("store.location", store.location());
        MapDbReplicaStore opened = store;
        opened.onFailure(() -> {
            LOG.error("replica store {} failed; its ReplicaStore service is withdrawn until the node restarts or the "
                    + "store is reconfigured", opened.location());
            withdraw();
        });
        synchronized (this) {
            registration = context.registerService(ReplicaStore.class, store, props);
            spaces = context.registerService(MetadataSpace.class, new BundleSpaces(opened), props);
            summary = context.registerService(LogSummary.class, opened::head, props);
        }
    }

    /** The bundle-scoped service: the framework names the consuming bundle, so no bundle can ask for another's space. */
    private record BundleSpaces(MapDbReplicaStore store) implements ServiceFactory<MetadataSpace> {
        @Override
        public MetadataSpace getService(Bundle bundle, ServiceRegistration<MetadataSpace> registration) {
            return store.metadata(MetadataOwner.bundle(bundle.getSymbolicName()));
        }

        @Override
        public void ungetService(Bundle bundle, ServiceRegistration<MetadataSpace> registration, MetadataSpace service) {
            // a space holds nothing to release
        }
    }

    private synchronized void withdraw() {
        unregister(summary);
        unregister(spaces);
        unregister(registration);
        summary = null;
        spaces = null;
        registration = null;
    }

    private static void unregister(ServiceRegistration<?> r) {
        if (r != null) {
            try {
                r.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the framework unregisters a stopping bundle's services itself
            }
        }
    }

    static Path folder(StoreConfig config, String home, String userHome) {
        if (!config.folder().isBlank()) {
            return Path.of(config.folder()).toAbsolutePath();
        }
        Path base = home != null && !home.isBlank() ? Path.of(home) : Path.of(userHome, ".rhizome");
        return base.resolve("data").toAbsolutePath();
    }

    @Deactivate
    void deactivate() {
        withdraw();
        if (store != null) {
            store.close();
            store = null;
        }
    }
}

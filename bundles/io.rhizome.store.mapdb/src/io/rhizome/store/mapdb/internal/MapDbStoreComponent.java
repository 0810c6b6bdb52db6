package io.rhizome.store.mapdb.internal;

import java.nio.file.Path;
import java.util.Hashtable;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.store.ReplicaStore;
import io.rhizome.spi.store.StoreException;

/**
 * Opens the MapDB store and registers it as the {@link ReplicaStore} service
 * ({@code store.kind=mapdb}). The service is registered by hand, after the files are open, so that
 * a corrupt or locked folder leaves no service behind (only an error in the log naming the file).
 * A configuration change re-opens the store.
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
        }
    }

    private synchronized void withdraw() {
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the framework unregisters a stopping bundle's services itself
            }
            registration = null;
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

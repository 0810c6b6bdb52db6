package io.rhizome.store.mapdb.internal;

import java.nio.file.Path;
import java.util.Hashtable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceFactory;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.crypto.CryptoException;
import io.rhizome.spi.crypto.KeyService;
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
 *
 * <p>A store that fails at run time (a commit could not be written: a full disk, an I/O error)
 * refuses calls from then on, because MapDB's in-memory view may no longer match its files. Its
 * services are withdrawn and the store is reopened by itself from its files (which replays a
 * commit that reached the redo file), first at once and then with back-off up to
 * {@value #MAX_REOPEN_DELAY_MILLIS} ms, until it opens: when space returns, the node serves again
 * without a restart.
 *
 * <p>Every record of the store is sealed under the home's store key ({@link RecordSeal}), a
 * secret the {@link KeyService} keeps ({@value #STORE_KEY_SECRET}, made on the first start):
 * without a key service there is no store.
 * <p>A node that chose another store (framework property {@code rhizome.store}, e.g.
 * {@code postgres} for a hub) opens no MapDB file and registers nothing.
 */
@Component(configurationPid = MapDbStoreComponent.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        immediate = true, service = {})
@Designate(ocd = StoreConfig.class)
public class MapDbStoreComponent {

    static final String PID = "io.rhizome.store.mapdb";
    static final String HOME_PROPERTY = "rhizome.home";
    static final String KIND = "mapdb";
    /** The name of the store key among the key service's secrets. */
    static final String STORE_KEY_SECRET = "io.rhizome.store.mapdb/store-key";
    /** Service property: how many records the last open quarantined (they did not open; never served). */
    static final String QUARANTINED_PROPERTY = "store.quarantined";
    /** Service property: the last open's sentences about what it quarantined (at most 10), one per line. */
    static final String QUARANTINE_REPORTS_PROPERTY = "store.quarantineReports";
    /** Service property: quarantined records the store keeps, from every open that found some. */
    static final String QUARANTINE_KEPT_PROPERTY = "store.quarantineKept";
    /** The node's choice of store: unset or {@code mapdb} opens this one; any other kind leaves it closed. */
    static final String SELECT_PROPERTY = "rhizome.store";

    private static final Logger LOG = LoggerFactory.getLogger(MapDbStoreComponent.class);
    static final long MAX_REOPEN_DELAY_MILLIS = 5_000;

    private final ScheduledExecutorService reopener = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "rhizome-store-reopen");
        t.setDaemon(true);
        return t;
    });
    private BundleContext context;
    private StoreSettings settings;
    private byte[] storeKey;
    private boolean deactivated;
    private long reopenedAt = System.nanoTime() - TimeUnit.HOURS.toNanos(1);
    private int streak;
    private MapDbReplicaStore store;
    private ServiceRegistration<ReplicaStore> registration;
    private ServiceRegistration<MetadataSpace> spaces;
    private ServiceRegistration<LogSummary> summary;

    @Reference
    private KeyService keys;

    @Activate
    void activate(BundleContext context, StoreConfig config) {
        String chosen = context.getProperty(SELECT_PROPERTY);
        if (chosen != null && !chosen.isBlank() && !KIND.equals(chosen.trim())) {
            // another store bundle (io.rhizome.store.postgres) serves this node: no data folder is opened
            LOG.info("the node's store is '{}' ({}): the MapDB store stays closed", chosen.trim(), SELECT_PROPERTY);
            return;
        }
        Path folder = folder(config, context.getProperty(HOME_PROPERTY), System.getProperty("user.home"));
        this.context = context;
        this.settings = new StoreSettings(folder, config.maxBatchEntries(), config.queueCapacity(), config.cacheMegabytes());
        try {
            this.storeKey = keys.secret(STORE_KEY_SECRET, () -> {
                byte[] key = new byte[RecordSeal.KEY_LENGTH];
                new java.security.SecureRandom().nextBytes(key);
                return key;
            });
        } catch (CryptoException e) {
            LOG.error("replica store not started, no ReplicaStore service registered: the key service cannot keep the store key: {}",
                    e.getMessage());
            return;
        }
        MapDbReplicaStore opened;
        try {
            opened = MapDbReplicaStore.open(settings, storeKey);
        } catch (StoreException e) {
            LOG.error("replica store not started, no ReplicaStore service registered: {}", e.getMessage());
            return;
        }
        register(opened);
    }

    private synchronized void register(MapDbReplicaStore opened) {
        store = opened;
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(ReplicaStore.KIND_PROPERTY, KIND);
        props.put("store.location", opened.location());
        props.put(QUARANTINED_PROPERTY, opened.quarantined().size());
        props.put(QUARANTINE_REPORTS_PROPERTY, String.join("\n", opened.quarantined().stream().limit(10).toList()));
        props.put(QUARANTINE_KEPT_PROPERTY, opened.quarantineKept());
        opened.onFailure(() -> failed(opened));
        registration = context.registerService(ReplicaStore.class, opened, props);
        spaces = context.registerService(MetadataSpace.class, new BundleSpaces(opened), props);
        summary = context.registerService(LogSummary.class, opened::head, props);
    }

    private synchronized void failed(MapDbReplicaStore failedStore) {
        if (deactivated || store != failedStore) {
            return;
        }
        LOG.error("replica store {} failed; its services are withdrawn while it is reopened from its files", failedStore.location());
        withdraw();
        failedStore.close();
        store = null;
        // a store that fails again soon after reopening (the disk is still full) is retried with growing delays
        long now = System.nanoTime();
        streak = now - reopenedAt < TimeUnit.SECONDS.toNanos(10) ? streak + 1 : 0;
        scheduleReopen(streak);
    }

    private void scheduleReopen(int attempt) {
        long delay = attempt == 0 ? 0 : Math.min(MAX_REOPEN_DELAY_MILLIS, 250L << Math.min(attempt - 1, 10));
        try {
            reopener.schedule(() -> reopen(attempt), delay, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            // deactivated meanwhile
        }
    }

    private void reopen(int attempt) {
        synchronized (this) {
            if (deactivated || store != null) {
                return;
            }
        }
        MapDbReplicaStore opened;
        try {
            opened = MapDbReplicaStore.open(settings, storeKey);
        } catch (StoreException e) {
            LOG.warn("replica store in {} cannot be reopened yet (attempt {}): {}", settings.folder(), attempt + 1, e.getMessage());
            scheduleReopen(attempt + 1);
            return;
        }
        synchronized (this) {
            if (deactivated) {
                opened.close();
                return;
            }
            register(opened);
            reopenedAt = System.nanoTime();
        }
        LOG.info("replica store {} reopened after a failure; its services are registered again", opened.location());
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
        MapDbReplicaStore open;
        synchronized (this) {
            deactivated = true;
            withdraw();
            open = store;
            store = null;
        }
        reopener.shutdownNow();
        if (open != null) {
            open.close();
        }
    }
}

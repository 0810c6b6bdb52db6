package io.rhizome.store.postgres.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
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
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.store.LogSummary;
import io.rhizome.spi.store.MetadataOwner;
import io.rhizome.spi.store.MetadataSpace;
import io.rhizome.spi.store.ReplicaStore;
import io.rhizome.spi.store.StoreException;

/**
 * Opens the PostgreSQL store when it is configured (PID {@value #PID}) and the node chose it
 * (framework property {@value #SELECT_PROPERTY}{@code =postgres}), and registers the
 * {@link ReplicaStore} ({@code store.kind=postgres}), the bundle-scoped {@link MetadataSpace} and
 * the {@link LogSummary}, as the MapDB store does. A configuration that cannot be used (no URL,
 * an unreadable password file) is logged and registers nothing. A database that cannot be reached
 * or refuses the login is logged, naming the URL, and tried again with back-off up to
 * {@value #MAX_RETRY_SECONDS} s, so a hub may start before its database; nothing is registered or
 * created until it opens.
 */
@Component(configurationPid = PostgresStoreComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        immediate = true, service = {})
@Designate(ocd = PostgresStoreConfig.class)
public class PostgresStoreComponent {

    static final String PID = "io.rhizome.store.postgres";
    static final String KIND = "postgres";
    /** The node's choice of store: {@code mapdb} (the default) or {@code postgres}. */
    static final String SELECT_PROPERTY = "rhizome.store";
    static final long MAX_RETRY_SECONDS = 30;

    private static final Logger LOG = LoggerFactory.getLogger(PostgresStoreComponent.class);

    private final ScheduledExecutorService opener = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "rhizome-postgres-open");
        t.setDaemon(true);
        return t;
    });
    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();
    private BundleContext context;
    private PostgresSettings settings;
    private PostgresReplicaStore store;
    private boolean deactivated;

    @Activate
    void activate(BundleContext context, PostgresStoreConfig config) {
        this.context = context;
        String chosen = context.getProperty(SELECT_PROPERTY);
        if (!KIND.equals(chosen)) {
            LOG.error("the PostgreSQL store is configured ({}) but the node's store is '{}': set the framework property "
                    + "{}=postgres (rhizome.store in the node's configuration) so that the node uses it and the MapDB store "
                    + "stays closed; no PostgreSQL store is opened", PID, chosen == null ? "mapdb" : chosen, SELECT_PROPERTY);
            return;
        }
        try {
            settings = settings(config);
        } catch (IllegalArgumentException e) {
            LOG.error("the PostgreSQL store's configuration ({}) cannot be used, no store is opened: {}", PID, e.getMessage());
            return;
        }
        schedule(0);
    }

    static PostgresSettings settings(PostgresStoreConfig config) {
        String url = config.url() == null ? "" : config.url().trim();
        if (url.isEmpty()) {
            throw new IllegalArgumentException("url is empty; set it to jdbc:postgresql://host:port/database");
        }
        if (url.toLowerCase(java.util.Locale.ROOT).contains("password=")) {
            throw new IllegalArgumentException("the url " + PostgresSettings.mask(url)
                    + " carries a password; put it into the file named by passwordFile instead");
        }
        return new PostgresSettings(url, config.user() == null ? "" : config.user().trim(), PasswordSource.read(config.passwordFile(), config.passwordEnv()),
                config.connections(), Duration.ofSeconds(config.connectTimeoutSeconds()));
    }

    private void schedule(int attempt) {
        long delay = attempt == 0 ? 0 : Math.min(MAX_RETRY_SECONDS, 1L << Math.min(attempt - 1, 5));
        try {
            opener.schedule(() -> open(attempt), delay, TimeUnit.SECONDS);
        } catch (RejectedExecutionException stopping) {
            // deactivated meanwhile
        }
    }

    private void open(int attempt) {
        synchronized (this) {
            if (deactivated) {
                return;
            }
        }
        PostgresReplicaStore opened;
        try {
            opened = PostgresReplicaStore.open(settings);
        } catch (StoreException e) {
            if (attempt == 0) {
                LOG.error("replica store not started, no ReplicaStore service registered (trying again): {}", e.getMessage());
            } else {
                LOG.warn("PostgreSQL store still cannot be opened (attempt {}): {}", attempt + 1, e.getMessage());
            }
            schedule(attempt + 1);
            return;
        }
        synchronized (this) {
            if (deactivated) {
                opened.close();
                return;
            }
            store = opened;
            Hashtable<String, Object> props = new Hashtable<>();
            props.put(ReplicaStore.KIND_PROPERTY, KIND);
            props.put("store.location", opened.location());
            registrations.add(context.registerService(ReplicaStore.class, opened, props));
            registrations.add(context.registerService(MetadataSpace.class, new BundleSpaces(opened), props));
            registrations.add(context.registerService(LogSummary.class, opened::head, props));
        }
    }

    /** The bundle-scoped service: the framework names the consuming bundle, so no bundle can ask for another's space. */
    private record BundleSpaces(PostgresReplicaStore store) implements ServiceFactory<MetadataSpace> {
        @Override
        public MetadataSpace getService(Bundle bundle, ServiceRegistration<MetadataSpace> registration) {
            return store.metadata(MetadataOwner.bundle(bundle.getSymbolicName()));
        }

        @Override
        public void ungetService(Bundle bundle, ServiceRegistration<MetadataSpace> registration, MetadataSpace service) {
            // a space holds nothing to release
        }
    }

    @Deactivate
    void deactivate() {
        PostgresReplicaStore open;
        synchronized (this) {
            deactivated = true;
            for (ServiceRegistration<?> r : registrations) {
                try {
                    r.unregister();
                } catch (IllegalStateException alreadyGone) {
                    // the framework unregisters a stopping bundle's services itself
                }
            }
            registrations.clear();
            open = store;
            store = null;
        }
        opener.shutdownNow();
        if (open != null) {
            open.close();
        }
    }
}

package io.rhizome.crypto.tests;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.util.tracker.ServiceTracker;

import io.rhizome.spi.crypto.EncryptionProvider;

/** Looks services up in the running framework, waiting a bounded time for DS to register them. */
final class Services {

    static final Duration WAIT = Duration.ofSeconds(20);

    private static final List<ServiceTracker<?, ?>> TRACKERS = new CopyOnWriteArrayList<>();

    private Services() {
    }

    static BundleContext context() {
        return FrameworkUtil.getBundle(Services.class).getBundleContext();
    }

    static <T> T await(Class<T> type, String filter) throws InterruptedException, InvalidSyntaxException {
        BundleContext ctx = context();
        String f = "(&(objectClass=" + type.getName() + ")" + (filter == null ? "" : filter) + ")";
        ServiceTracker<T, T> tracker = new ServiceTracker<>(ctx, ctx.createFilter(f), null);
        tracker.open();
        // Left open for the whole run: closing it would release the service object (ConfigAdmin
        // disposes its per-bundle instance, DS deactivates an unused delayed component).
        TRACKERS.add(tracker);
        T service = tracker.waitForService(WAIT.toMillis());
        assertNotNull(service, "no service matching " + f + " within " + WAIT);
        return service;
    }

    static EncryptionProvider provider(String name) throws InterruptedException, InvalidSyntaxException {
        return await(EncryptionProvider.class, "(" + EncryptionProvider.PROVIDER_PROPERTY + "=" + name + ")");
    }
}

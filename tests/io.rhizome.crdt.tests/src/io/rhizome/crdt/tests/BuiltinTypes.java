package io.rhizome.crdt.tests;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.util.tracker.ServiceTracker;

import io.rhizome.spi.crdt.CrdtType;

/** The built-in types as the engine sees them: OSGi services selected by their {@code crdt.type} property. */
final class BuiltinTypes {

    static final String[] NAMES = {
        "g-counter", "pn-counter", "g-set", "or-set", "lww-register", "mv-register", "lww-map", "or-map", "list", "text",
    };

    private BuiltinTypes() {
    }

    static BundleContext context() {
        return FrameworkUtil.getBundle(BuiltinTypes.class).getBundleContext();
    }

    static void ensureStarted() throws Exception {
        for (Bundle b : context().getBundles()) {
            if ("io.rhizome.crdt".equals(b.getSymbolicName()) && b.getState() != Bundle.ACTIVE) {
                b.start();
            }
        }
    }

    private static final Map<String, CrdtType> CACHE = new ConcurrentHashMap<>();

    /** The registered type called {@code name}, waiting up to 10 s for DS to register it. */
    static CrdtType get(String name) {
        return CACHE.computeIfAbsent(name, BuiltinTypes::track);
    }

    private static CrdtType track(String name) {
        try {
            ensureStarted();
            String filter = "(&(objectClass=" + CrdtType.class.getName() + ")(" + CrdtType.TYPE_PROPERTY + "=" + name + "))";
            ServiceTracker<CrdtType, CrdtType> tracker = new ServiceTracker<>(context(), context().createFilter(filter), null);
            tracker.open();
            try {
                CrdtType type = tracker.waitForService(10_000);
                assertNotNull(type, "a CrdtType service with crdt.type=" + name + " is registered");
                return type;
            } finally {
                tracker.close();
            }
        } catch (InvalidSyntaxException e) {
            throw new AssertionError(e);
        } catch (Exception e) {
            throw new AssertionError("could not get CRDT type " + name, e);
        }
    }

    static Optional<CrdtType> lookup(String name) {
        for (String n : NAMES) {
            if (n.equals(name)) {
                return Optional.of(get(name));
            }
        }
        return Optional.empty();
    }
}

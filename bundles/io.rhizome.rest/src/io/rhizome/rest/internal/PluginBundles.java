package io.rhizome.rest.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.Version;
import org.osgi.framework.wiring.FrameworkWiring;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Installs plugin bundles into the running framework and removes them again ({@code rhizome
 * plugins install JAR} / {@code uninstall NAME}). A plugin is any bundle a user adds this way: a
 * CRDT type, a transport, an encryption provider, a policy. Its location is {@code
 * rhizome-plugin:SYMBOLIC-NAME}, which is how a plugin is told from the node's own bundles (those
 * cannot be replaced or removed here). The framework keeps installed bundles in the node's OSGi
 * cache, and in a node {@link PluginRecords} keep what was answered (written durably before the
 * answer), so a plugin survives a restart, {@code kill -9} included, until it is uninstalled.
 *
 * <p>An install that cannot complete leaves nothing behind: a jar that is not a bundle is refused
 * before the framework sees it, and a bundle that does not resolve or start is uninstalled again.
 */
final class PluginBundles {

    private static final Logger LOG = LoggerFactory.getLogger(PluginBundles.class);
    static final String LOCATION_PREFIX = "rhizome-plugin:";
    private static final long REFRESH_TIMEOUT_SECONDS = 30;

    /** A refusal: the HTTP status, a code and the sentence for the user. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;
        final String code;

        Refused(int status, String code, String message) {
            super(message);
            this.status = status;
            this.code = code;
        }
    }

    /** What an install or uninstall did. */
    record Outcome(String symbolicName, String version, long bundleId, String state, String action) {
    }

    private final BundleContext context;
    private final PluginRecords records;

    /** @param records where installs are recorded durably; null keeps them only in the framework */
    PluginBundles(BundleContext context, PluginRecords records) {
        this.context = context;
        this.records = records;
    }

    /**
     * Makes the framework agree with the records (the framework writes its own state only every
     * second or so): a recorded plugin it lacks is installed, one of another version updated, and
     * an uninstalled one it still has is uninstalled again. Each step is logged; one that fails is
     * logged and the others still run.
     */
    void reconcile() {
        if (records == null) {
            return;
        }
        Map<String, byte[]> recorded;
        try {
            recorded = records.all();
        } catch (IOException e) {
            LOG.error("cannot read the plugin records: {}", e.toString());
            return;
        }
        for (Bundle b : context.getBundles()) {
            if (isPlugin(b) && !recorded.containsKey(b.getSymbolicName()) && records.removed(b.getSymbolicName())) {
                try {
                    LOG.info("plugin {} was uninstalled before the node stopped: uninstalling it again", b.getSymbolicName());
                    b.uninstall();
                    refresh(List.of(b));
                } catch (BundleException | RuntimeException e) {
                    LOG.error("plugin {} could not be uninstalled again: {}", b.getSymbolicName(), e.getMessage());
                }
            }
        }
        for (Map.Entry<String, byte[]> r : recorded.entrySet()) {
            try {
                Optional<Bundle> b = bySymbolicName(r.getKey()).filter(PluginBundles::isPlugin);
                String version = Optional.ofNullable(manifest(r.getValue()).getMainAttributes().getValue("Bundle-Version")).orElse("0.0.0").trim();
                if (b.isEmpty() || !Version.parseVersion(version).equals(b.get().getVersion())) {
                    LOG.info("plugin {} {} was installed before the node stopped: installing it again", r.getKey(), version);
                    install(r.getValue());
                }
            } catch (Refused | RuntimeException e) {
                LOG.error("plugin {} from {} could not be installed again: {}", r.getKey(), records.file(r.getKey()), e.getMessage());
            }
        }
    }

    /** The bundles installed as plugins, in install order. */
    List<Outcome> installed() {
        List<Outcome> out = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            if (b.getLocation().startsWith(LOCATION_PREFIX)) {
                out.add(outcome(b, "installed"));
            }
        }
        return out;
    }

    Outcome install(byte[] jar) throws Refused {
        Manifest manifest = manifest(jar);
        Attributes main = manifest.getMainAttributes();
        String symbolicName = symbolicName(main);
        String version = Optional.ofNullable(main.getValue("Bundle-Version")).orElse("0.0.0").trim();
        try {
            Version.parseVersion(version);
        } catch (IllegalArgumentException e) {
            throw new Refused(400, "not_a_bundle", "the jar's Bundle-Version '" + version + "' is not an OSGi version: " + e.getMessage());
        }
        if (main.getValue("Fragment-Host") != null) {
            throw new Refused(400, "fragment", "bundle " + symbolicName + " is a fragment (Fragment-Host); only bundles that start can be plugins");
        }
        Optional<Bundle> same = bySymbolicName(symbolicName);
        if (same.isPresent() && !isPlugin(same.get())) {
            throw new Refused(409, "part_of_the_node", "bundle " + symbolicName + " is part of the node (installed from "
                    + same.get().getLocation() + "); a plugin cannot replace it");
        }
        if (same.isPresent()) {
            return update(same.get(), jar);
        }
        Bundle bundle;
        try {
            bundle = context.installBundle(LOCATION_PREFIX + symbolicName, new ByteArrayInputStream(jar));
        } catch (BundleException e) {
            throw new Refused(422, "install_failed", "the framework refused bundle " + symbolicName + ": " + e.getMessage());
        }
        try {
            bundle.start();
        } catch (BundleException | RuntimeException e) {
            String why = e.getMessage();
            try {
                bundle.uninstall();
                refresh(List.of(bundle));
            } catch (BundleException | RuntimeException u) {
                LOG.warn("plugin {} did not start and could not be uninstalled again: {}", symbolicName, u.getMessage());
            }
            throw new Refused(422, "did_not_start", "bundle " + symbolicName + " " + version + " did not start, so it was not installed: " + why);
        }
        if (records != null) {
            try {
                records.keep(symbolicName, jar);
            } catch (IOException e) {
                try {
                    bundle.uninstall();
                    refresh(List.of(bundle));
                } catch (BundleException | RuntimeException u) {
                    LOG.warn("plugin {} could not be uninstalled after its record failed: {}", symbolicName, u.getMessage());
                }
                throw new Refused(500, "not_recorded", "bundle " + symbolicName + " could not be recorded in "
                        + records.file(symbolicName) + " (" + e.getMessage() + "), so it was not installed");
            }
        }
        LOG.info("plugin installed: {} {} (bundle {})", symbolicName, bundle.getVersion(), bundle.getBundleId());
        return outcome(bundle, "installed");
    }

    private Outcome update(Bundle bundle, byte[] jar) throws Refused {
        String before = bundle.getVersion().toString();
        try {
            bundle.update(new ByteArrayInputStream(jar));
            refresh(List.of(bundle));
            if (bundle.getState() != Bundle.ACTIVE) {
                bundle.start();
            }
        } catch (BundleException | RuntimeException e) {
            throw new Refused(422, "did_not_start", "bundle " + bundle.getSymbolicName() + " was updated from " + before
                    + " but does not start: " + e.getMessage() + "; install the previous jar again or uninstall it");
        }
        if (records != null) {
            try {
                records.keep(bundle.getSymbolicName(), jar);
            } catch (IOException e) {
                throw new Refused(500, "not_recorded", "bundle " + bundle.getSymbolicName() + " was updated from " + before
                        + " but could not be recorded in " + records.file(bundle.getSymbolicName()) + " (" + e.getMessage()
                        + "): after a restart " + before + " runs again; install the jar again once the folder is writable");
            }
        }
        LOG.info("plugin updated: {} {} -> {} (bundle {})", bundle.getSymbolicName(), before, bundle.getVersion(), bundle.getBundleId());
        return outcome(bundle, "updated from " + before);
    }

    Outcome uninstall(String symbolicName) throws Refused {
        Bundle bundle = bySymbolicName(symbolicName).orElseThrow(() -> new Refused(404, "not_found",
                "no plugin '" + symbolicName + "' is installed; `rhizome plugins` lists them"));
        if (!isPlugin(bundle)) {
            throw new Refused(409, "part_of_the_node", "bundle " + symbolicName + " is part of the node, not a plugin; it cannot be uninstalled");
        }
        Outcome before = outcome(bundle, "uninstalled");
        byte[] record = null;
        if (records != null) {
            try {
                record = records.all().get(symbolicName);
                records.markRemoved(symbolicName);
            } catch (IOException e) {
                throw new Refused(500, "not_recorded", "bundle " + symbolicName + " could not be marked as removed in "
                        + records.file(symbolicName).getParent() + " (" + e.getMessage() + "), so it was not uninstalled");
            }
        }
        try {
            bundle.uninstall();
        } catch (BundleException e) {
            if (record != null) {
                try {
                    records.keep(symbolicName, record);
                } catch (IOException k) {
                    LOG.warn("plugin {} stays installed but its record could not be put back: {}", symbolicName, k.toString());
                }
            }
            throw new Refused(500, "uninstall_failed", "bundle " + symbolicName + " could not be uninstalled: " + e.getMessage());
        }
        refresh(List.of(bundle));
        LOG.info("plugin uninstalled: {} {}", symbolicName, before.version());
        return before;
    }

    private static Manifest manifest(byte[] jar) throws Refused {
        if (jar.length == 0) {
            throw new Refused(400, "not_a_bundle", "the request has no body; send the plugin's jar file");
        }
        try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(jar))) {
            Manifest m = in.getManifest();
            if (m == null) {
                throw new Refused(400, "not_a_bundle", "the file is not a jar with a manifest (META-INF/MANIFEST.MF)");
            }
            return m;
        } catch (IOException e) {
            throw new Refused(400, "not_a_bundle", "the file is not a readable jar: " + e.getMessage());
        }
    }

    private static String symbolicName(Attributes main) throws Refused {
        String header = main.getValue("Bundle-SymbolicName");
        if (header == null || header.isBlank()) {
            throw new Refused(400, "not_a_bundle", "the jar is not an OSGi bundle: its manifest has no Bundle-SymbolicName");
        }
        if (!"2".equals(Optional.ofNullable(main.getValue("Bundle-ManifestVersion")).map(String::trim).orElse(""))) {
            throw new Refused(400, "not_a_bundle", "the jar's manifest needs Bundle-ManifestVersion: 2 (an OSGi R4+ bundle)");
        }
        String name = header.split(";", 2)[0].trim();
        if (!name.matches("[A-Za-z0-9_][A-Za-z0-9_.-]*")) {
            throw new Refused(400, "not_a_bundle", "the Bundle-SymbolicName '" + name + "' is not a valid symbolic name");
        }
        return name;
    }

    private Optional<Bundle> bySymbolicName(String name) {
        return Arrays.stream(context.getBundles()).filter(b -> name.equals(b.getSymbolicName())).findFirst();
    }

    private static boolean isPlugin(Bundle b) {
        return b.getLocation().startsWith(LOCATION_PREFIX);
    }

    /** Rewires whoever used the old bundle's packages; waits (bounded) until the framework has. */
    private void refresh(List<Bundle> bundles) {
        FrameworkWiring wiring = context.getBundle(0).adapt(FrameworkWiring.class);
        CountDownLatch done = new CountDownLatch(1);
        wiring.refreshBundles(bundles, e -> {
            if (e.getType() == FrameworkEvent.PACKAGES_REFRESHED || e.getType() == FrameworkEvent.ERROR) {
                done.countDown();
            }
        });
        try {
            if (!done.await(REFRESH_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                LOG.warn("the framework did not finish refreshing {} within {} s", bundles, REFRESH_TIMEOUT_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Outcome outcome(Bundle b, String action) {
        return new Outcome(b.getSymbolicName(), b.getVersion().toString(), b.getBundleId(), state(b.getState()), action);
    }

    private static String state(int state) {
        return switch (state) {
            case Bundle.ACTIVE -> "active";
            case Bundle.RESOLVED -> "resolved";
            case Bundle.INSTALLED -> "installed";
            case Bundle.STARTING -> "starting";
            case Bundle.STOPPING -> "stopping";
            default -> "uninstalled";
        };
    }
}

package io.rhizome.rest.internal;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.servlet.runtime.HttpServiceRuntime;
import org.osgi.service.servlet.runtime.dto.ServletContextDTO;
import org.osgi.service.servlet.runtime.dto.ServletDTO;
import org.osgi.service.servlet.whiteboard.HttpWhiteboardConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.rhizome.api.PluginRegistry;
import io.rhizome.api.SyncService;

import jakarta.servlet.Servlet;

/**
 * The daemon's loopback REST API: registers the API servlet on the HTTP whiteboard and, once the
 * HTTP runtime serves it, writes {@code HOME/api.json} (port + a fresh API key) so the CLI can
 * reach it. The file is removed when the component stops. In the standalone node, a REST API that
 * cannot be served (its port is taken) stops the node: without it no CLI can reach the node.
 */
@Component(immediate = true)
public class RestApiComponent {

    private static final Logger LOG = LoggerFactory.getLogger(RestApiComponent.class);
    static final String SERVLET_NAME = "rhizome-rest-api";
    private static final long READY_TIMEOUT_MILLIS = 60_000;
    private static final long ENGINE_GRACE_MILLIS = 20_000;
    /** The node's exit code when its REST API cannot be served (see the README, "The node and the CLI"). */
    static final int EXIT_NO_REST_API = 1;

    /** Strict: one JSON value per body or line, nothing after it. */
    private final ObjectMapper json = new ObjectMapper().enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private final List<Map<String, Object>> runtimes = new CopyOnWriteArrayList<>();
    private final List<HttpServiceRuntime> runtimeServices = new CopyOnWriteArrayList<>();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile PluginRegistry registry;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile SyncService sync;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile org.osgi.service.cm.ConfigurationAdmin configAdmin;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile io.rhizome.spi.crypto.KeyService keys;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile io.rhizome.spi.crypto.RecoveryService recovery;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile io.rhizome.api.BackupService backups;

    private Path home;
    private long pid;
    private ServiceRegistration<Servlet> servlet;
    private Thread publisher;
    private volatile boolean active;
    private BundleContext context;
    private boolean standaloneNode;
    private int configuredPort;
    private final HttpRuntimeWatch runtimeWatch = new HttpRuntimeWatch();
    private final FrameworkListener startedListener = e -> {
        // The Equinox launcher starts the framework first and its bundles afterwards, by raising the start level.
        if (e.getType() == FrameworkEvent.STARTED || e.getType() == FrameworkEvent.STARTLEVEL_CHANGED) {
            runtimeWatch.frameworkStarted();
        }
    };

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile io.rhizome.api.PairingService pairing;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile io.rhizome.api.CloudService cloud;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile io.rhizome.api.OrganisationService organisation;

    private final java.util.List<io.rhizome.spi.transport.Transport> transports = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addTransport(io.rhizome.spi.transport.Transport t) {
        transports.add(t);
    }

    void removeTransport(io.rhizome.spi.transport.Transport t) {
        transports.remove(t);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addRuntime(HttpServiceRuntime runtime, Map<String, Object> props) {
        runtimeServices.add(runtime);
        runtimes.add(props);
    }

    void removeRuntime(HttpServiceRuntime runtime, Map<String, Object> props) {
        runtimeServices.remove(runtime);
        runtimes.remove(props);
    }

    @Activate
    void activate(BundleContext context) {
        this.context = context;
        home = NodeHome.resolve(context);
        standaloneNode = Boolean.parseBoolean(context.getProperty("rhizome.node"));
        configuredPort = configuredPort(context.getProperty("org.osgi.service.http.port"));
        context.addFrameworkListener(startedListener);
        pid = ProcessHandle.current().pid();
        ApiKey key = ApiKey.random(new SecureRandom());
        PluginBundles plugins = new PluginBundles(context, standaloneNode ? new PluginRecords(home) : null);
        plugins.reconcile();
        NodeInfo node = new NodeInfo(context.getBundle().getVersion().toString(), home,
                Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime()), pid);
        RestRouter router = new RestRouter(key, node, () -> Optional.ofNullable(registry), () -> Optional.ofNullable(sync),
                () -> Optional.ofNullable(configAdmin), json)
                .crypto(() -> Optional.ofNullable(keys), () -> Optional.ofNullable(recovery))
                .backups(() -> Optional.ofNullable(backups))
                .peering(() -> Optional.ofNullable(pairing), () -> List.copyOf(transports))
                .cloud(() -> Optional.ofNullable(cloud))
                .organisation(() -> Optional.ofNullable(organisation))
                .pluginBundles(plugins);
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN, "/api/*");
        props.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_NAME, SERVLET_NAME);
        servlet = context.registerService(Servlet.class, new RestServlet(router, json), props);
        active = true;
        publisher = new Thread(() -> publishWhenServed(key), "rhizome-rest-publisher");
        publisher.setDaemon(true);
        publisher.start();
    }

    /** Waits (bounded) until the HTTP runtime serves our servlet, then writes api.json. */
    private void publishWhenServed(ApiKey key) {
        long start = System.currentTimeMillis();
        long deadline = start + READY_TIMEOUT_MILLIS;
        while (active && System.currentTimeMillis() < deadline) {
            if (runtimeWatch.gaveUp(!runtimeServices.isEmpty(), System.currentTimeMillis())) {
                giveUp(HttpRuntimeWatch.failure(configuredPort, home.resolve("rhizome.properties")));
                return;
            }
            Optional<Integer> port = servedPort();
            // Ready means the engine answers too; a node without a store gets the API after a grace period.
            boolean engineUp = sync != null || System.currentTimeMillis() - start > ENGINE_GRACE_MILLIS;
            // In the node, ready also means every bundle was started (its transports, pairing, the
            // cloud and backup targets): a `rhizome pair` right after the daemon is ready must find
            // a transport. Bounded like the engine: a bundle that never finishes starting does not
            // keep the API away.
            boolean bundlesUp = !standaloneNode || runtimeWatch.isFrameworkStarted()
                    || System.currentTimeMillis() - start > ENGINE_GRACE_MILLIS;
            if (port.isPresent() && engineUp && bundlesUp) {
                if (sync == null) {
                    LOG.warn("no SyncService after {} ms (is a replica store installed?); publishing the REST API without it",
                            ENGINE_GRACE_MILLIS);
                }
                try {
                    Path file = ApiFile.write(home, port.get(), key, pid, json);
                    long sinceJvmStart = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
                    LOG.info("Rhizome node ready in {} ms: REST API on http://127.0.0.1:{}/api/v1 (key in {})",
                            sinceJvmStart, port.get(), file);
                } catch (Exception e) {
                    LOG.error("cannot write {}: the CLI will not find this daemon", home.resolve(ApiFile.NAME), e);
                }
                return;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                return;
            }
        }
        if (active) {
            giveUp("the HTTP runtime did not serve the REST API within " + READY_TIMEOUT_MILLIS
                    + " ms; is org.apache.felix.http.jetty12 running?");
        }
    }

    /** The REST API will not be served: in the standalone node no CLI could ever reach it, so the node stops. */
    private void giveUp(String message) {
        LOG.error(message);
        if (standaloneNode && active) {
            // The shutdown hook (NodeShutdownComponent) stops the framework cleanly; the exit code tells the launcher's caller.
            System.exit(EXIT_NO_REST_API);
        }
    }

    /** The port the node was told to use; 0 (pick one) when the property is absent or not a number. */
    static int configuredPort(String property) {
        try {
            return property == null ? 0 : Integer.parseInt(property.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private Optional<Integer> servedPort() {
        for (int i = 0; i < runtimeServices.size(); i++) {
            HttpServiceRuntime runtime;
            Map<String, Object> props;
            try {
                runtime = runtimeServices.get(i);
                props = runtimes.get(i);
            } catch (IndexOutOfBoundsException e) {
                return Optional.empty();
            }
            if (!serves(runtime)) {
                continue;
            }
            Optional<Integer> port = loopbackPort(props.get(org.osgi.service.servlet.runtime.HttpServiceRuntimeConstants.HTTP_SERVICE_ENDPOINT));
            if (port.isPresent()) {
                return port;
            }
        }
        return Optional.empty();
    }

    private static boolean serves(HttpServiceRuntime runtime) {
        for (ServletContextDTO ctx : runtime.getRuntimeDTO().servletContextDTOs) {
            for (ServletDTO s : ctx.servletDTOs) {
                if (SERVLET_NAME.equals(s.name)) {
                    return true;
                }
            }
        }
        return false;
    }

    static Optional<Integer> loopbackPort(Object endpoints) {
        Collection<?> list;
        if (endpoints instanceof String s) {
            list = List.of(s);
        } else if (endpoints instanceof String[] a) {
            list = Arrays.asList(a);
        } else if (endpoints instanceof Collection<?> c) {
            list = c;
        } else {
            return Optional.empty();
        }
        for (Object o : list) {
            java.net.URI uri = java.net.URI.create(String.valueOf(o));
            if (uri.getPort() > 0) {
                return Optional.of(uri.getPort());
            }
        }
        return Optional.empty();
    }

    @Deactivate
    void deactivate() {
        active = false;
        context.removeFrameworkListener(startedListener);
        if (publisher != null) {
            publisher.interrupt();
        }
        if (servlet != null) {
            servlet.unregister();
        }
        ApiFile.remove(home, pid, json);
    }
}

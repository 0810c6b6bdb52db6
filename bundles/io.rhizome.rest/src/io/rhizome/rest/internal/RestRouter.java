package io.rhizome.rest.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.osgi.service.cm.ConfigurationAdmin;

import io.rhizome.api.HeldBack;
import io.rhizome.api.PeerStatus;
import io.rhizome.spi.crypto.KeyService;
import io.rhizome.spi.crypto.RecoveryService;
import io.rhizome.api.PluginInfo;
import io.rhizome.api.PluginRegistry;
import io.rhizome.api.SyncException;
import io.rhizome.api.SyncService;
import io.rhizome.api.SyncStatus;

/**
 * Routes REST requests to resources. Plain Java: the servlet adapter and tests both call
 * {@link #handle}. Every request needs the API key; anything else answers 401 before a resource
 * runs.
 */
public final class RestRouter {

    private static final Logger LOG = LoggerFactory.getLogger(RestRouter.class);
    private final ApiKey apiKey;
    private final NodeInfo node;
    private final Supplier<Optional<PluginRegistry>> plugins;
    private final Supplier<Optional<SyncService>> sync;
    private final ObjectMapper json;
    private final Supplier<Optional<ConfigurationAdmin>> configAdmin;
    /** Imports, exports and joins running now or lately, shown in status (one record set per node). */
    private final Operations operations = new Operations();
    private volatile Supplier<Optional<KeyService>> keys = Optional::empty;
    private volatile Supplier<Optional<RecoveryService>> recovery = Optional::empty;

    private volatile Supplier<Optional<io.rhizome.api.PairingService>> pairing = Optional::empty;
    private volatile Supplier<Optional<io.rhizome.api.BackupService>> backups = Optional::empty;
    private volatile Supplier<List<io.rhizome.spi.transport.Transport>> transports = List::of;

    private volatile Supplier<Optional<io.rhizome.api.OrganisationService>> organisation = Optional::empty;

    /** Where the organisation, members, ACL and audit resources find the enterprise policy's service. */
    public RestRouter organisation(Supplier<Optional<io.rhizome.api.OrganisationService>> organisation) {
        this.organisation = organisation;
        return this;
    }

    /** Where the pairing, peers and p2p resources find their services. */
    public RestRouter peering(Supplier<Optional<io.rhizome.api.PairingService>> pairing,
            Supplier<List<io.rhizome.spi.transport.Transport>> transports) {
        this.pairing = pairing;
        this.transports = transports;
        return this;
    }

    private volatile Supplier<Optional<io.rhizome.api.CloudService>> cloud = Optional::empty;

    /** Where the cloud resources find the cloud fallback. */
    public RestRouter cloud(Supplier<Optional<io.rhizome.api.CloudService>> cloud) {
        this.cloud = cloud;
        return this;
    }

    /** Where the identity and recovery resources find their services. */
    /** Where the backup resources find their service. */
    public RestRouter backups(Supplier<Optional<io.rhizome.api.BackupService>> backups) {
        this.backups = backups;
        return this;
    }

    public RestRouter crypto(Supplier<Optional<KeyService>> keys, Supplier<Optional<RecoveryService>> recovery) {
        this.keys = keys;
        this.recovery = recovery;
        return this;
    }

    public RestRouter(ApiKey apiKey, NodeInfo node, Supplier<Optional<PluginRegistry>> plugins,
            Supplier<Optional<SyncService>> sync, Supplier<Optional<ConfigurationAdmin>> configAdmin, ObjectMapper json) {
        this.configAdmin = configAdmin;
        this.apiKey = apiKey;
        this.node = node;
        this.plugins = plugins;
        this.sync = sync;
        this.json = json;
    }

    /**
     * The 401 for a request without the right key, empty if the key is right. Asked before the body
     * is read, so a caller without the key cannot make the node hold a body.
     */
    public Optional<RestResponse> unauthorized(Optional<String> key) {
        if (apiKey.matches(key.orElse(null))) {
            return Optional.empty();
        }
        // Anyone on this machine can ask: the answer names no path of the node's home.
        return Optional.of(RestResponse.error(401, "unauthorized", key.isEmpty()
                ? "missing X-API-Key header; the key is in api.json in the node's home folder"
                : "wrong X-API-Key; the current key is in api.json in the node's home folder (a new one on every start)"));
    }

    public RestResponse handle(RestRequest request) {
        Optional<RestResponse> refused = unauthorized(request.apiKey());
        if (refused.isPresent()) {
            return refused.get();
        }
        String path = request.path().endsWith("/") && request.path().length() > 1
                ? request.path().substring(0, request.path().length() - 1)
                : request.path();
        switch (path) {
            case "/v1/status":
                return get(request, this::status);
            case "/v1/status/events":
                return get(request, () -> new StatusStream(this::status, this::presenceList, json).response());
            case "/v1/plugins":
                return get(request, this::plugins);
            case "/v1/plugins/install":
                return post(request, () -> pluginResult(() -> pluginBundles.install(request.body())));
            case "/v1/identity":
                return get(request, () -> identities().identity());
            case "/v1/recovery/show":
                return post(request, () -> identities().show(request.body()));
            case "/v1/recovery/verify":
                return post(request, () -> identities().verify(request.body()));
            default:
                break;
        }
        if (path.startsWith("/v1/plugins/")) {
            if (!"DELETE".equals(request.method())) {
                return RestResponse.error(405, "method_not_allowed", request.method() + " is not allowed here; use DELETE to uninstall a plugin");
            }
            List<String> segments;
            try {
                segments = PathSegments.split(request.path().substring("/v1/plugins/".length()));
            } catch (PathSegments.MalformedSegmentException e) {
                return RestResponse.error(400, "bad_path", e.getMessage());
            }
            if (segments.size() != 1 || segments.get(0).isEmpty()) {
                return RestResponse.error(404, "not_found", "no such resource: " + request.path() + " (DELETE /api/v1/plugins/NAME uninstalls a plugin)");
            }
            return pluginResult(() -> pluginBundles.uninstall(segments.get(0)));
        }
        if (path.equals("/v1/backup") || path.startsWith("/v1/backup/") || path.equals("/v1/restore")) {
            return new BackupResources(backups.get(), json).handle(request, path);
        }
        if (path.equals("/v1/pair") || path.equals("/v1/join") || path.equals("/v1/peers") || path.startsWith("/v1/peers/")
                || path.startsWith("/v1/p2p/")) {
            return new PeerResources(pairing.get(), sync.get(), transports.get(), json).recordedIn(operations).handle(request, path);
        }
        if (path.equals("/v1/presence")) {
            return sync.get().map(s -> new PresenceResources(s.presence(), json).handle(request))
                    .orElseGet(() -> RestResponse.error(503, "unavailable", "no SyncService is running (the sync engine is not started: is a store installed?)"));
        }
        if (path.equals("/v1/cloud") || path.startsWith("/v1/cloud/")) {
            return new CloudResources(cloud.get(), json).handle(request, path);
        }
        if (OrgResources.handles(path)) {
            return new OrgResources(organisation.get(), json).handle(request, path);
        }
        if (path.equals("/v1/ns") || path.startsWith("/v1/ns/") || path.equals("/v1/events") || path.equals("/v1/export")
                || path.equals("/v1/import")) {
            Optional<SyncService> service = sync.get();
            if (service.isEmpty()) {
                return RestResponse.error(503, "unavailable", "the sync engine is not running, so nothing was read or "
                        + "stored: " + STORE_NOT_OPEN);
            }
            try {
                return new DataResources(service.get(), json, configAdmin.get().map(NamespaceAdmin::new), operations).handle(request, path);
            } catch (SyncException e) {
                return SyncErrors.of(e);
            } catch (RuntimeException e) {
                // e.g. the engine going away under the request (its store failed): say what the caller can rely on
                LOG.error("{} {} failed", request.method(), request.path(), e);
                return RestResponse.error(500, "internal", "the node failed on this request (" + e.getMessage() + "); "
                        + ("GET".equals(request.method()) ? "nothing was changed" : "whether it was stored is unknown: read "
                                + "the value back before writing it again"));
            }
        }
        return RestResponse.error(404, "not_found", "no resource at /api" + request.path());
    }

    private IdentityResources identities() {
        return new IdentityResources(keys.get(), recovery.get(), json);
    }

    static RestResponse post(RestRequest request, Supplier<RestResponse> resource) {
        if (!"POST".equals(request.method())) {
            return RestResponse.error(405, "method_not_allowed", request.method() + " is not allowed here; use POST");
        }
        return resource.get();
    }

    static RestResponse get(RestRequest request, Supplier<RestResponse> resource) {
        if (!"GET".equals(request.method())) {
            return RestResponse.error(405, "method_not_allowed", request.method() + " is not allowed here; use GET");
        }
        return resource.get();
    }

    private RestResponse status() {
        ObjectNode root = json.createObjectNode();
        ObjectNode n = root.putObject("node");
        n.put("version", node.version());
        n.put("home", node.home().toString());
        n.put("pid", node.pid());
        n.put("startedAt", node.startedAt().toString());
        n.put("uptimeMillis", Duration.between(node.startedAt(), Instant.now()).toMillis());
        Optional<PluginRegistry> registry = plugins.get();
        n.put("plugins", registry.map(r -> r.plugins().size()).orElse(0));
        // Which JDK runs the node: its numbers (crypto intrinsics, JIT) depend on it.
        ObjectNode java = n.putObject("java");
        java.put("version", System.getProperty("java.version"));
        java.put("vendor", System.getProperty("java.vendor"));
        java.put("home", System.getProperty("java.home"));
        Optional<SyncService> service = sync.get();
        if (service.isPresent()) {
            ObjectNode transportsInfo = PeerResources.transportsInfo(transports.get(), json);
            root.set("sync", syncStatus(service.get().status(), transportsInfo));
            root.set("transports", transportsInfo);
            StoreStatus.of(plugins.get(), json).ifPresent(st -> root.set("store", st));
        } else {
            ObjectNode s = root.putObject("sync");
            s.put("state", "unavailable");
            s.put("reason", "the sync engine is not running: " + STORE_NOT_OPEN);
        }
        backups.get().ifPresent(b -> root.set("backup", BackupResources.status(b, json)));
        root.set("operations", operations.toJson(json));
        pairing.get().flatMap(io.rhizome.api.PairingService::invitation)
                .ifPresent(i -> root.set("pairing", new PeerResources(pairing.get(), service, List.of(), json).invitation(i)));
        return RestResponse.ok(root);
    }

    /** The presence list for the status stream, empty without an engine. */
    private Optional<JsonNode> presenceList() {
        return sync.get().map(s -> new PresenceResources(s.presence(), json).handle(new RestRequest("GET", "/v1/presence",
                java.util.Map.of(), Optional.empty(), new byte[0])).body());
    }

    private JsonNode syncStatus(SyncStatus status, ObjectNode transportsInfo) {
        ObjectNode s = json.createObjectNode();
        s.put("deviceId", status.deviceId());
        s.put("state", status.state().id());
        s.put("online", status.online());
        s.put("lastSyncTime", status.lastSyncTime().map(Instant::toString).orElse(null));
        s.put("pendingMutations", status.pendingMutations());
        s.put("connectedPeers", status.connectedPeers());
        ArrayNode peers = s.putArray("peers");
        for (PeerStatus p : status.peers()) {
            ObjectNode pn = peers.addObject();
            pn.put("peerId", p.peerId());
            pn.put("connected", p.connected());
            pn.put("transport", p.transport().orElse(null));
            pn.put("lastSeen", p.lastSeen().map(Instant::toString).orElse(null));
            pn.put("pendingEvents", p.pendingEvents());
            pn.put("lastSync", p.lastSync().map(Instant::toString).orElse(null));
            route(pn, p, transportsInfo);
            pn.set("progress", progress(p.progress()));
            ArrayNode held = pn.putArray("heldBack");
            for (HeldBack h : p.heldBack()) {
                ObjectNode hn = held.addObject();
                hn.put("direction", h.direction().id());
                hn.put("namespace", h.namespace());
                hn.put("author", h.author());
                hn.put("seq", h.seq());
                hn.put("code", h.code());
                hn.put("reason", h.reason());
                hn.put("since", h.since().toString());
            }
        }
        s.put("caughtUp", status.peers().stream().filter(PeerStatus::connected).allMatch(p -> p.progress().caughtUp()));
        s.put("lastError", status.lastError().orElse(null));
        s.put("clockProblem", status.clockProblem().orElse(null));
        s.put("revoked", status.revoked().orElse(null));
        return s;
    }

    /** Counts, bytes and ETA towards being caught up with a connected peer (see the README, "Progress"). */
    private JsonNode progress(io.rhizome.api.SyncProgress p) {
        ObjectNode o = json.createObjectNode();
        o.put("incoming", p.incoming());
        o.put("outgoing", p.outgoing());
        o.put("changeSetsReceived", p.changeSetsReceived());
        o.put("changeSetsSent", p.changeSetsSent());
        o.put("bytesReceived", p.bytesReceived());
        o.put("bytesSent", p.bytesSent());
        // Change sets left times the mean size of those that crossed on this link: the engine knows
        // how many are left, not their sizes, so this is an estimate (null before any crossed).
        Optional<Long> leftIn = estimate(p.incoming(), p.bytesReceived(), p.changeSetsReceived());
        Optional<Long> leftOut = estimate(p.outgoing(), p.bytesSent(), p.changeSetsSent());
        if (leftIn.isPresent() && leftOut.isPresent()) {
            o.put("bytesLeftEstimate", leftIn.get() + leftOut.get());
        } else {
            o.putNull("bytesLeftEstimate");
        }
        o.put("peerStateKnown", p.peerStateKnown());
        o.put("caughtUp", p.caughtUp());
        if (p.eta().isPresent()) {
            o.put("etaSeconds", Math.max(1, (p.eta().get().toMillis() + 999) / 1000));
        } else {
            o.putNull("etaSeconds");
        }
        return o;
    }

    private static Optional<Long> estimate(long left, long bytes, long crossed) {
        if (left == 0) {
            return Optional.of(0L);
        }
        return crossed == 0 ? Optional.empty() : Optional.of(Math.round(left * ((double) bytes / crossed)));
    }

    /**
     * Which route the peer was last synced by ({@code lastSyncRoute}: its live link, or a cloud or hub
     * when a batch through it came later), and the route in use now ({@code route}): over a live link
     * the transport's own word for it where it has one (libp2p: {@code direct}, {@code relayed},
     * {@code hole-punched}) else the transport's kind; without a live link {@code hub} or {@code cloud}
     * when one of them carried the last batch; else null.
     */
    private void route(ObjectNode pn, PeerStatus p, ObjectNode transportsInfo) {
        Optional<CloudResources.Route> viaCloud = CloudResources.lastRoute(cloud.get(), p.peerId());
        if (p.connected() && p.transport().isPresent()) {
            String kind = p.transport().get();
            pn.put("route", transportsInfo.path(kind).path("deviceRoutes").path(p.peerId()).asText(kind));
        } else if (viaCloud.isPresent()) {
            pn.put("route", viaCloud.get().cloudId().startsWith("hub-") ? "hub" : "cloud");
        } else {
            pn.putNull("route");
        }
        long live = p.lastSync().map(Instant::toEpochMilli).orElse(0L);
        if (viaCloud.isPresent() && viaCloud.get().atMillis() >= live) {
            String id = viaCloud.get().cloudId();
            pn.put("lastSyncRoute", (id.startsWith("hub-") ? "hub " : "cloud ") + id); // a hub is a cloud kind, shown as its own route
            pn.put("lastCloudSync", Instant.ofEpochMilli(viaCloud.get().atMillis()).toString());
        } else {
            pn.put("lastSyncRoute", live > 0 ? p.transport().orElse("live") : null);
        }
    }

    /**
     * Why the engine is not running, truthfully for both cases this node cannot tell apart from here:
     * a store that failed (a full disk) reopens by itself; one that does not open (damaged) does not.
     */
    static final String STORE_NOT_OPEN = "it starts once its store is open. After a storage failure such as a full disk "
            + "the store reopens by itself; a store the node's log calls damaged or not readable does not: restore a backup "
            + "into a new home (rhizome restore) or start a new home and join your mesh again (the damaged data/ folder is "
            + "left as it is; see README, \"Durable store\")";

    private volatile PluginBundles pluginBundles;

    /** Where {@code plugins install} and {@code uninstall} put and remove bundles. */
    RestRouter pluginBundles(PluginBundles bundles) {
        this.pluginBundles = bundles;
        return this;
    }

    interface PluginAction {
        PluginBundles.Outcome run() throws PluginBundles.Refused;
    }

    private RestResponse pluginResult(PluginAction action) {
        if (pluginBundles == null) {
            return RestResponse.error(503, "unavailable", "this node cannot install plugins (no framework access)");
        }
        try {
            return RestResponse.ok(json.valueToTree(action.run()));
        } catch (PluginBundles.Refused r) {
            return RestResponse.error(r.status, r.code, r.getMessage());
        }
    }

    private RestResponse plugins() {
        List<PluginInfo> list = plugins.get().map(PluginRegistry::plugins).orElse(List.of());
        ObjectNode root = json.createObjectNode();
        ArrayNode arr = root.putArray("plugins");
        for (PluginInfo p : list) {
            ObjectNode pn = arr.addObject();
            pn.put("kind", p.kind().id());
            pn.put("name", p.name());
            pn.put("bundle", p.bundle());
            pn.put("bundleVersion", p.bundleVersion());
            pn.put("serviceId", p.serviceId());
            pn.put("ranking", p.ranking());
            pn.put("active", p.active());
            pn.set("properties", json.valueToTree(p.properties()));
        }
        root.set("bundles", json.valueToTree(pluginBundles == null ? List.of() : pluginBundles.installed()));
        return RestResponse.ok(root);
    }
}

package io.rhizome.transport.cloud.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
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
import io.rhizome.api.SyncService;
import io.rhizome.spi.crypto.EncryptionProvider;
import io.rhizome.spi.crypto.KeyService;
import io.rhizome.spi.policy.TrustedDevices;
import io.rhizome.spi.store.MetadataSpace;
import io.rhizome.spi.store.StoreException;
import io.rhizome.spi.transport.StoreAndForward;
import io.rhizome.transport.cloud.CloudExchange;
import io.rhizome.transport.cloud.CloudSignIn;
import io.rhizome.transport.cloud.CloudStoreFactory;
import io.rhizome.transport.cloud.FileSeal;

/**
 * The node's cloud fallback: the clouds added (kept in this bundle's metadata space), each opened
 * by the backend of its kind once that backend is there, and a {@link CloudRunner} that runs rounds
 * through them. Framework properties: {@code rhizome.cloud.use} ({@code always} or
 * {@code offline:MINUTES}: only when no peer was connected live for that long) and
 * {@code rhizome.cloud.pollMillis} (how often, default 10,000), {@code rhizome.cloud.retentionMinutes}
 * (how long an acknowledged batch file stays before it is compacted, default 0) and
 * {@code rhizome.cloud.budgetMegabytes} (the size budget per reader, default 1024).
 */
@Component(service = CloudService.class)
public final class CloudManagerComponent implements CloudService {

    private static final Logger LOG = LoggerFactory.getLogger(CloudManagerComponent.class);

    @Reference
    private StoreAndForward engine;
    @Reference
    private KeyService keys;
    @Reference(policyOption = ReferencePolicyOption.GREEDY)
    private EncryptionProvider crypto;
    @Reference
    private MetadataSpace space;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile SyncService sync;

    private final List<TrustedDevices> trusted = new CopyOnWriteArrayList<>();
    private final Map<String, CloudStoreFactory> factories = new ConcurrentHashMap<>();
    private final Map<String, CloudService.SignIn> signIns = new ConcurrentHashMap<>();
    private volatile CloudConfigs configs;
    private volatile CloudRunner runner;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addTrustedDevices(TrustedDevices t) {
        trusted.add(t);
    }

    void removeTrustedDevices(TrustedDevices t) {
        trusted.remove(t);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addFactory(CloudStoreFactory f, Map<String, Object> props) {
        Object kind = props.get(CloudStoreFactory.KIND_PROPERTY);
        if (kind != null) {
            factories.put(kind.toString(), f);
            openConfigured();
        }
    }

    void removeFactory(CloudStoreFactory f, Map<String, Object> props) {
        Object kind = props.get(CloudStoreFactory.KIND_PROPERTY);
        if (kind != null && factories.remove(kind.toString(), f) && runner != null && configs != null) {
            try {
                configs.load().stream().filter(c -> c.kind().equals(kind.toString())).forEach(c -> runner.remove(c.id()));
            } catch (StoreException e) {
                LOG.warn("cloud: cannot read the cloud settings: {}", e.getMessage());
            }
        }
    }

    @Activate
    void activate(BundleContext context) {
        CloudRunner.Use use = CloudRunner.Use.parse(context.getProperty("rhizome.cloud.use"));
        String poll = context.getProperty("rhizome.cloud.pollMillis");
        long pollMillis = poll == null ? 10_000 : Long.parseLong(poll);
        CloudExchange.Settings defaults = CloudExchange.Settings.DEFAULTS;
        long retentionMillis = TimeUnit.MINUTES.toMillis(whole(context, "retentionMinutes", 0, 10_000_000));
        long budgetBytes = whole(context, "budgetMegabytes", defaults.budgetBytes() >> 20, 100_000_000) << 20;
        CloudExchange.Settings settings = new CloudExchange.Settings(defaults.maxBatchBytes(), budgetBytes, retentionMillis, defaults.resendMillis());
        FileSeal seal = new FileSeal(crypto, keys);
        configs = new CloudConfigs(space);
        runner = new CloudRunner(store -> new CloudExchange(store, engine, seal, this::trustedDevices, settings,
                System::currentTimeMillis), this::peerLive, use, pollMillis, System::currentTimeMillis);
        openConfigured();
        LOG.info("cloud fallback ready for device {} (use: {})", engine.deviceId(), use.always() ? "always" : "offline:" + use.offlineMillis() / 60_000);
    }

    /** A whole-number setting {@code rhizome.cloud.NAME} from 0 to {@code max}; a bad one stops the component with a sentence. */
    private static long whole(BundleContext context, String name, long otherwise, long max) {
        String v = context.getProperty("rhizome.cloud." + name);
        if (v == null || v.isBlank()) {
            return otherwise;
        }
        try {
            long n = Long.parseLong(v.strip());
            if (n >= 0 && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new IllegalArgumentException("cloud." + name + " must be a whole number from 0 to " + max + ", not '" + v + "'");
    }

    @Deactivate
    void deactivate() {
        CloudRunner r = runner;
        runner = null;
        if (r != null) {
            r.close();
        }
    }

    private Set<String> trustedDevices() {
        Set<String> out = new HashSet<>();
        for (TrustedDevices t : trusted) {
            try {
                for (String d : t.trustedDeviceIds()) {
                    if (t.isTrusted(d)) {
                        out.add(d);
                    }
                }
            } catch (RuntimeException e) {
                LOG.warn("cloud: a TrustedDevices service failed: {}", e.getMessage());
            }
        }
        return out;
    }

    private boolean peerLive() {
        SyncService s = sync;
        return s != null && s.status().connectedPeers() > 0;
    }

    /** Opens every configured cloud whose backend is there and that is not open yet. */
    private synchronized void openConfigured() {
        CloudRunner r = runner;
        if (r == null || configs == null) {
            return;
        }
        try {
            for (CloudConfigs.Config c : configs.load()) {
                CloudStoreFactory f = factories.get(c.kind());
                if (f != null && r.describe(c.id()).isEmpty()) {
                    try {
                        r.add(c, f.open(c.location()));
                    } catch (IllegalArgumentException e) {
                        LOG.warn("cloud {}: {} cannot be used now: {}", c.id(), c.location(), e.getMessage());
                    }
                }
            }
        } catch (StoreException e) {
            LOG.warn("cloud: cannot read the cloud settings: {}", e.getMessage());
        }
    }

    @Override
    public List<Cloud> clouds() {
        CloudRunner r = runner;
        return r == null ? List.of() : r.describe();
    }

    @Override
    public synchronized Cloud add(String kind, String location) {
        CloudStoreFactory f = factory(kind);
        if (location == null || location.isBlank()) {
            throw new IllegalArgumentException("a " + kind + " cloud needs a location");
        }
        String normal = f.normalise(location);
        String id = kind + "-" + shortHash(kind + "|" + normal);
        CloudRunner r = runner;
        if (r.describe(id).isPresent()) {
            throw new IllegalArgumentException(kind + " " + normal + " is already in use as " + id);
        }
        CloudConfigs.Config c = new CloudConfigs.Config(id, kind, normal);
        r.add(c, f.open(normal));
        try {
            configs.put(c);
        } catch (StoreException e) {
            r.remove(id);
            throw new IllegalStateException("cannot store the cloud setting: " + e.getMessage(), e);
        }
        LOG.info("cloud {}: added {} {}", id, kind, normal);
        return r.describe(id).orElseThrow();
    }

    @Override
    public synchronized SignIn signIn(String kind, String location) {
        CloudStoreFactory f = factory(kind);
        if (location == null || location.isBlank()) {
            throw new IllegalArgumentException("a " + kind + " cloud needs a location");
        }
        String normal = f.normalise(location);
        String id = kind + "-" + shortHash(kind + "|" + normal);
        SignIn previous = signIns.get(id);
        if (previous != null && previous.state().equals("waiting")) {
            return previous;
        }
        CloudSignIn flow = f.signIn(normal)
                .orElseThrow(() -> new IllegalArgumentException("a " + kind + " cloud needs no sign-in; add it with `rhizome cloud add " + kind + " …`"));
        SignIn waiting = new SignIn(id, flow.consentUri().toString(), "waiting", Optional.empty());
        signIns.put(id, waiting);
        LOG.info("cloud {}: waiting for the consent in a browser", id);
        flow.done().whenComplete((v, e) -> signedIn(id, kind, normal, f, waiting, e));
        return waiting;
    }

    /** The consent came back (or failed): open the store with the new credentials, replacing a store of the old ones. */
    private synchronized void signedIn(String id, String kind, String location, CloudStoreFactory f, SignIn waiting, Throwable failure) {
        CloudRunner r = runner;
        String error = failure == null ? null : (failure.getCause() != null && failure instanceof java.util.concurrent.CompletionException
                ? failure.getCause() : failure).getMessage();
        if (error == null && r != null) {
            try {
                CloudConfigs.Config c = new CloudConfigs.Config(id, kind, location);
                r.remove(id);
                r.add(c, f.open(location));
                configs.put(c);
                LOG.info("cloud {}: signed in, added {} {}", id, kind, location);
            } catch (IllegalArgumentException | StoreException e) {
                error = "signed in, but the cloud cannot be used: " + e.getMessage();
            }
        }
        if (error != null) {
            LOG.warn("cloud {}: sign-in failed: {}", id, error);
        }
        signIns.put(id, new SignIn(id, waiting.consentUrl(), error == null ? "done" : "failed", Optional.ofNullable(error)));
    }

    @Override
    public Optional<SignIn> signInStatus(String id) {
        return Optional.ofNullable(signIns.get(id));
    }

    private CloudStoreFactory factory(String kind) {
        CloudStoreFactory f = factories.get(kind == null ? "" : kind);
        if (f == null) {
            throw new IllegalArgumentException("unknown cloud kind '" + kind + "'; installed: " + String.join(", ", new java.util.TreeSet<>(factories.keySet())));
        }
        return f;
    }

    @Override
    public synchronized Optional<Cloud> remove(String id) {
        CloudRunner r = runner;
        Optional<Cloud> c = r == null ? Optional.empty() : r.describe(id);
        try {
            Optional<CloudConfigs.Config> configured = configs.load().stream().filter(x -> x.id().equals(id)).findFirst();
            if (c.isEmpty() && configured.isEmpty()) {
                return Optional.empty();
            }
            // What the backend keeps for the cloud (a sealed Google sign-in) goes first: a cloud
            // removed must not leave this node's access to the account behind.
            configured.ifPresent(x -> Optional.ofNullable(factories.get(x.kind())).ifPresent(f -> f.forget(x.location())));
            configs.remove(id);
        } catch (StoreException e) {
            throw new IllegalStateException("cannot remove the cloud setting: " + e.getMessage(), e);
        }
        if (r != null) {
            r.remove(id);
        }
        LOG.info("cloud {}: removed", id);
        return c.isPresent() ? c : Optional.of(new Cloud(id, "", "", 0, Optional.empty(), List.of()));
    }

    private static String shortHash(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)), 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}

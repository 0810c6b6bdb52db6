package io.rhizome.hub.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.crypto.KeyService;
import io.rhizome.spi.policy.TrustedDevices;
import io.rhizome.spi.store.MetadataOwner;
import io.rhizome.spi.store.ReplicaStore;
import io.rhizome.spi.store.StoreException;
import io.rhizome.spi.transport.MessageReceiver;
import io.rhizome.spi.transport.PeerLink;
import io.rhizome.spi.transport.ProtocolChannels;
import io.rhizome.spi.transport.Transport;
import io.rhizome.spi.transport.TransportListener;

/**
 * The hub (hub mode only): serves {@link HubWire#PROTOCOL} on the libp2p transport, which it
 * starts itself (there is no engine in a hub), keeps files and members in its own metadata space
 * of the highest-ranking {@link ReplicaStore} — the MapDB store by default; another store bundle
 * (PostgreSQL, say) is chosen by installing it with a higher {@code service.ranking}, or by the
 * component property {@code store.target} (ConfigAdmin PID {@value #NAME}, e.g.
 * {@code (store.kind=postgresql)}) — and writes {@code HOME/hub.json} (its id, addresses, the claim
 * code until it is claimed, the store, counts) every 2 s when it changed.
 */
@Component(name = HubServerComponent.NAME, enabled = false, immediate = true, service = {})
public final class HubServerComponent {

    static final String NAME = "io.rhizome.hub.server";
    private static final Logger LOG = LoggerFactory.getLogger(HubServerComponent.class);

    private ReplicaStore store;
    private String storeKind;
    @Reference(target = "(" + Transport.KIND_PROPERTY + "=libp2p)")
    private Transport transport;
    @Reference
    private KeyService keys;

    private final ExecutorService requests = Executors.newFixedThreadPool(2, r -> new Thread(r, "rhizome-hub-requests"));
    private final ScheduledExecutorService status = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "rhizome-hub-status"));
    private HubServer server;
    private HubMembers members;
    private HubFiles files;
    private Path statusFile;
    private String lastStatus = "";
    private ServiceRegistration<TrustedDevices> trust;

    @Reference(policyOption = ReferencePolicyOption.GREEDY)
    void bindStore(ReplicaStore s, Map<String, Object> properties) {
        store = s;
        storeKind = String.valueOf(properties.getOrDefault(ReplicaStore.KIND_PROPERTY, s.getClass().getSimpleName()));
    }

    @Activate
    void activate(BundleContext context) throws StoreException, IOException {
        var space = store.metadata(MetadataOwner.bundle("io.rhizome.hub"));
        files = new HubFiles(space);
        members = new HubMembers(space, new SecureRandom());
        server = new HubServer(keys.deviceId(), files, members);
        if (!(transport instanceof ProtocolChannels channels)) {
            throw new IllegalStateException("the libp2p transport cannot serve protocol channels; the hub cannot run");
        }
        // the hub's members are the devices the transport trusts here (there is no pairing in a hub):
        // the transport keeps a stranger's messages small (256 KiB) and lets members send whole batch files
        trust = context.registerService(TrustedDevices.class, new MemberDevices(members), null);
        channels.serve(HubWire.PROTOCOL, this::inbound);
        transport.start(link -> link.close()); // a hub speaks no sync protocol: sync links are closed at once
        statusFile = home(context).resolve("hub.json");
        status.scheduleWithFixedDelay(this::writeStatus, 0, 2, TimeUnit.SECONDS);
        LOG.info("hub {} ready on {} (store {} at {}); it holds no mesh key", keys.deviceId(), transport.listenAddresses(),
                storeKind, store.location());
    }

    @Deactivate
    void deactivate() {
        status.shutdownNow();
        if (trust != null) {
            trust.unregister();
        }
        if (transport instanceof ProtocolChannels channels) {
            channels.unserve(HubWire.PROTOCOL);
        }
        transport.stop();
        requests.shutdownNow();
    }

    private void inbound(PeerLink link) {
        link.receiver(new MessageReceiver() {
            @Override
            public void message(PeerLink from, byte[] message) {
                requests.execute(() -> from.send(server.handle(from.remotePeerId(), message)));
            }

            @Override
            public void closed(PeerLink from, Optional<Throwable> cause) {
                // the device opens a new channel when it needs one
            }
        });
    }

    private void writeStatus() {
        try {
            long[] totals = files.totals();
            String addresses = transport.listenAddresses().stream().map(a -> "\"" + a + "\"").collect(Collectors.joining(","));
            String json = "{\"deviceId\":\"" + keys.deviceId() + "\",\"fingerprint\":\"" + keys.fingerprint() + "\",\"addresses\":[" + addresses + "],"
                    + members.claimCode().map(c -> "\"claimCode\":\"" + c + "\",").orElse("")
                    + "\"members\":" + members.trusted().size() + ",\"revoked\":" + members.revokedCount() + ",\"meshKeys\":" + keys.epochs().size()
                    + ",\"store\":{\"kind\":\"" + storeKind + "\",\"location\":\"" + store.location().replace("\\", "\\\\").replace("\"", "\\\"") + "\"}"
                    + ",\"files\":" + totals[0] + ",\"bytes\":" + totals[1] + ",\"refused\":" + server.refusals() + "}\n";
            if (!json.equals(lastStatus)) {
                Path tmp = statusFile.resolveSibling("hub.json.tmp");
                Files.writeString(tmp, json, StandardCharsets.UTF_8);
                Files.move(tmp, statusFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                lastStatus = json;
            }
        } catch (IOException | StoreException | RuntimeException e) {
            LOG.warn("hub: cannot write {}: {}", statusFile, e.getMessage());
        }
    }

    static Path home(BundleContext context) {
        String h = context.getProperty("rhizome.home");
        return Path.of(h == null || h.isBlank() ? System.getProperty("user.home") + "/.rhizome-hub" : h);
    }

    List<String> addresses() {
        return transport.listenAddresses();
    }
}

package io.rhizome.pairing.internal;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import io.rhizome.api.PairingService;
import io.rhizome.api.SyncService;
import io.rhizome.spi.crypto.KeyService;
import io.rhizome.spi.policy.TrustedDevices;
import io.rhizome.spi.store.LogSummary;
import io.rhizome.spi.store.MetadataSpace;
import io.rhizome.spi.store.StoreException;
import io.rhizome.spi.transport.PeerAnnouncement;
import io.rhizome.spi.transport.Transport;

/**
 * Pairing as a service: {@link PairingService} for the REST API and host applications, and
 * {@link TrustedDevices} for the policy and the engine (paired devices sync, and are dialled when
 * discovered). Transports come and go at run time.
 */
@Component(service = { PairingService.class, TrustedDevices.class }, immediate = true)
public class PairingComponent implements PairingService, TrustedDevices {

    private final List<Transport> transports = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "rhizome-pairing");
        t.setDaemon(true);
        return t;
    });
    private volatile Pairing pairing;

    @Activate
    public PairingComponent(@Reference KeyService keys, @Reference(policyOption = ReferencePolicyOption.GREEDY) MetadataSpace space,
            @Reference(policyOption = ReferencePolicyOption.GREEDY) LogSummary log, @Reference SyncService sync) throws StoreException {
        // DS binds the dynamic transports after this constructor has run: addTransport serves them.
        // The MetadataSpace service is bundle-scoped: this is pairing's own space of the store.
        pairing = new Pairing(keys, space, log::changeSets, sync, () -> transports, executor, System::currentTimeMillis);
        pairing.logVersions(() -> java.util.Optional.ofNullable(archive).map(io.rhizome.api.ReplicaArchive::versions));
        pairing.announcers(() -> java.util.Map.copyOf(announcers));
    }

    /** Announcers that are not transports, by the {@code transport.kind} they announce under. */
    private final java.util.Map<String, PeerAnnouncement> announcers = new java.util.concurrent.ConcurrentHashMap<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addAnnouncer(PeerAnnouncement a, java.util.Map<String, Object> props) {
        Object kind = props.get(Transport.KIND_PROPERTY);
        if (kind != null && !(a instanceof Transport)) {
            announcers.put(kind.toString(), a);
        }
    }

    void removeAnnouncer(PeerAnnouncement a, java.util.Map<String, Object> props) {
        Object kind = props.get(Transport.KIND_PROPERTY);
        if (kind != null) {
            announcers.remove(kind.toString(), a);
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile io.rhizome.api.ReplicaArchive archive;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addTransport(Transport t) {
        transports.add(t);
        Pairing p = pairing;
        if (p != null) {
            p.transportAdded(t);
        }
    }

    void removeTransport(Transport t) {
        transports.remove(t);
        Pairing p = pairing;
        if (p != null) {
            p.transportRemoved(t);
        }
    }

    @Deactivate
    void deactivate() {
        Pairing p = pairing;
        if (p != null) {
            p.close();
            transports.forEach(p::transportRemoved);
        }
        executor.shutdownNow();
    }

    @Override
    public boolean isTrusted(String deviceId) {
        Pairing p = pairing;
        return p != null && p.membership().isTrusted(deviceId);
    }

    @Override
    public java.util.Set<String> trustedDeviceIds() {
        Pairing p = pairing;
        return p == null ? java.util.Set.of() : p.membership().trustedDeviceIds();
    }

    @Override
    public List<DeviceAddress> addresses(String deviceId) {
        Pairing p = pairing;
        return p == null ? List.of() : p.membership().addresses(deviceId);
    }

    @Override
    public java.util.Map<String, String> announcement(String deviceId, String transportKind) {
        Pairing p = pairing;
        return p == null ? java.util.Map.of() : p.membership().announcement(deviceId, transportKind);
    }

    @Override
    public boolean isRevoked(String deviceId) {
        Pairing p = pairing;
        return p != null && p.membership().isRevoked(deviceId);
    }

    @Override
    public void revokedBy(String byDevice, java.time.Instant at) {
        Pairing p = pairing;
        if (p != null) {
            p.membership().revokedBy(byDevice, at);
        }
    }

    @Override
    public Optional<String> revocation() {
        Pairing p = pairing;
        return p == null ? Optional.empty() : p.membership().revocation();
    }

    @Override
    public Invitation invite() {
        return pairing.invite();
    }

    @Override
    public Optional<Invitation> invitation() {
        return pairing.invitation();
    }

    @Override
    public void cancelInvitation() {
        pairing.cancelInvitation();
    }

    @Override
    public TrustedPeer join(String code, Optional<String> address, Duration timeout) {
        return pairing.join(code, address, timeout);
    }

    @Override
    public List<TrustedPeer> trustedPeers() {
        return pairing.trustedPeers();
    }

    @Override
    public void revoke(String deviceId) {
        pairing.revoke(deviceId);
    }
}

package io.rhizome.core.internal.plugins;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.api.PluginInfo;
import io.rhizome.api.PluginKind;
import io.rhizome.api.PluginRegistry;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crypto.EncryptionProvider;
import io.rhizome.spi.crypto.KeyService;
import io.rhizome.spi.namespace.NamespaceProvider;
import io.rhizome.spi.policy.SyncPolicy;
import io.rhizome.spi.store.ReplicaStore;
import io.rhizome.spi.transport.Transport;

/**
 * Whiteboard of every plugin service: tracks each SPI with a dynamic, multiple, greedy reference and
 * keeps, per kind, the {@link RankedServices} that say which one is active, keyed like the engine
 * chooses (by {@code crdt.type} for CRDT types, one per kind for policies, providers, key services
 * and stores, every transport and namespace provider on its own since all are used at once). Binds
 * by {@link ServiceReference} so that tracking a plugin never activates it.
 */
@Component(service = PluginRegistry.class, immediate = true)
public class PluginRegistryComponent implements PluginRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(PluginRegistryComponent.class);

    static final Comparator<PluginInfo> ORDER = Comparator.comparing(PluginInfo::kind)
            .thenComparing(PluginInfo::name)
            .thenComparing(Comparator.comparingInt(PluginInfo::ranking).reversed())
            .thenComparingLong(PluginInfo::serviceId);

    private final Map<PluginKind, RankedServices<PluginInfo>> byKind = new EnumMap<>(PluginKind.class);

    public PluginRegistryComponent() {
        for (PluginKind kind : PluginKind.values()) {
            RankedServices<PluginInfo> ranked = new RankedServices<>();
            ranked.onActiveChange((key, active) -> LOG.info("active {}{}: {}", kind.id(), key.equals(RankedServices.ONE) ? "" : " '" + key + "'",
                    active.map(p -> p.name() + " from " + p.bundle() + " (service " + p.serviceId() + ")").orElse("none")));
            byKind.put(kind, ranked);
        }
    }

    @Override
    public List<PluginInfo> plugins() {
        List<PluginInfo> all = new ArrayList<>();
        for (PluginKind kind : PluginKind.values()) {
            all.addAll(plugins(kind));
        }
        return List.copyOf(all);
    }

    @Override
    public List<PluginInfo> plugins(PluginKind kind) {
        RankedServices<PluginInfo> ranked = byKind.get(kind);
        List<PluginInfo> list = new ArrayList<>();
        for (RankedServices.Entry<PluginInfo> e : ranked.entries()) {
            PluginInfo p = e.service();
            list.add(new PluginInfo(p.kind(), p.name(), p.bundle(), p.bundleVersion(), p.serviceId(), p.ranking(), p.properties(),
                    ranked.isActive(p.serviceId())));
        }
        list.sort(ORDER);
        return List.copyOf(list);
    }

    /** The key the engine chooses the active service of a kind by. */
    private static String key(PluginInfo info) {
        return switch (info.kind()) {
            case CRDT_TYPE -> info.name();
            case TRANSPORT, NAMESPACE_PROVIDER -> Long.toString(info.serviceId());
            case ENCRYPTION_PROVIDER, KEY_SERVICE, SYNC_POLICY, REPLICA_STORE -> RankedServices.ONE;
        };
    }

    private void added(PluginKind kind, String nameProperty, ServiceReference<?> ref) {
        PluginInfo info = ServiceDescriptions.describe(kind, nameProperty, ref);
        byKind.get(kind).put(key(info), info.serviceId(), info.ranking(), info);
        LOG.info("plugin added: {} '{}' from {} {} (service {})", kind.id(), info.name(), info.bundle(),
                info.bundleVersion(), info.serviceId());
    }

    private void removed(PluginKind kind, ServiceReference<?> ref) {
        long id = (Long) ref.getProperty(org.osgi.framework.Constants.SERVICE_ID);
        byKind.get(kind).remove(id);
        LOG.info("plugin removed: {} service {}", kind.id(), id);
    }

    @Reference(service = CrdtType.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addCrdtType(ServiceReference<CrdtType> ref) {
        added(PluginKind.CRDT_TYPE, CrdtType.TYPE_PROPERTY, ref);
    }

    void updatedCrdtType(ServiceReference<CrdtType> ref) {
        added(PluginKind.CRDT_TYPE, CrdtType.TYPE_PROPERTY, ref);
    }

    void removeCrdtType(ServiceReference<CrdtType> ref) {
        removed(PluginKind.CRDT_TYPE, ref);
    }

    @Reference(service = Transport.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addTransport(ServiceReference<Transport> ref) {
        added(PluginKind.TRANSPORT, Transport.KIND_PROPERTY, ref);
    }

    void updatedTransport(ServiceReference<Transport> ref) {
        added(PluginKind.TRANSPORT, Transport.KIND_PROPERTY, ref);
    }

    void removeTransport(ServiceReference<Transport> ref) {
        removed(PluginKind.TRANSPORT, ref);
    }

    @Reference(service = EncryptionProvider.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addEncryptionProvider(ServiceReference<EncryptionProvider> ref) {
        added(PluginKind.ENCRYPTION_PROVIDER, EncryptionProvider.PROVIDER_PROPERTY, ref);
    }

    void updatedEncryptionProvider(ServiceReference<EncryptionProvider> ref) {
        added(PluginKind.ENCRYPTION_PROVIDER, EncryptionProvider.PROVIDER_PROPERTY, ref);
    }

    void removeEncryptionProvider(ServiceReference<EncryptionProvider> ref) {
        removed(PluginKind.ENCRYPTION_PROVIDER, ref);
    }

    @Reference(service = KeyService.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addKeyService(ServiceReference<KeyService> ref) {
        added(PluginKind.KEY_SERVICE, null, ref);
    }

    void updatedKeyService(ServiceReference<KeyService> ref) {
        added(PluginKind.KEY_SERVICE, null, ref);
    }

    void removeKeyService(ServiceReference<KeyService> ref) {
        removed(PluginKind.KEY_SERVICE, ref);
    }

    @Reference(service = SyncPolicy.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addSyncPolicy(ServiceReference<SyncPolicy> ref) {
        added(PluginKind.SYNC_POLICY, SyncPolicy.NAME_PROPERTY, ref);
    }

    void updatedSyncPolicy(ServiceReference<SyncPolicy> ref) {
        added(PluginKind.SYNC_POLICY, SyncPolicy.NAME_PROPERTY, ref);
    }

    void removeSyncPolicy(ServiceReference<SyncPolicy> ref) {
        removed(PluginKind.SYNC_POLICY, ref);
    }

    @Reference(service = ReplicaStore.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addReplicaStore(ServiceReference<ReplicaStore> ref) {
        added(PluginKind.REPLICA_STORE, ReplicaStore.KIND_PROPERTY, ref);
    }

    void updatedReplicaStore(ServiceReference<ReplicaStore> ref) {
        added(PluginKind.REPLICA_STORE, ReplicaStore.KIND_PROPERTY, ref);
    }

    void removeReplicaStore(ServiceReference<ReplicaStore> ref) {
        removed(PluginKind.REPLICA_STORE, ref);
    }

    @Reference(service = NamespaceProvider.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addNamespaceProvider(ServiceReference<NamespaceProvider> ref) {
        added(PluginKind.NAMESPACE_PROVIDER, null, ref);
    }

    void updatedNamespaceProvider(ServiceReference<NamespaceProvider> ref) {
        added(PluginKind.NAMESPACE_PROVIDER, null, ref);
    }

    void removeNamespaceProvider(ServiceReference<NamespaceProvider> ref) {
        removed(PluginKind.NAMESPACE_PROVIDER, ref);
    }
}

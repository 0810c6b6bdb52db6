package io.rhizome.core.internal.plugins;

import java.util.List;

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
 * keeps a {@link PluginIndex}. Binds by {@link ServiceReference} so that tracking a plugin never
 * activates it.
 */
@Component(service = PluginRegistry.class, immediate = true)
public class PluginRegistryComponent implements PluginRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(PluginRegistryComponent.class);

    private final PluginIndex index = new PluginIndex();

    @Override
    public List<PluginInfo> plugins() {
        return index.all();
    }

    @Override
    public List<PluginInfo> plugins(PluginKind kind) {
        return index.ofKind(kind);
    }

    private void added(PluginKind kind, String nameProperty, ServiceReference<?> ref) {
        PluginInfo info = ServiceDescriptions.describe(kind, nameProperty, ref);
        index.put(info);
        LOG.info("plugin added: {} '{}' from {} {} (service {})", kind.id(), info.name(), info.bundle(),
                info.bundleVersion(), info.serviceId());
    }

    private void removed(PluginKind kind, ServiceReference<?> ref) {
        long id = (Long) ref.getProperty(org.osgi.framework.Constants.SERVICE_ID);
        index.remove(id);
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

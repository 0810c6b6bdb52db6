package io.rhizome.policy.enterprise.internal;

import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;

import io.rhizome.api.OrganisationService;
import io.rhizome.api.SyncService;
import io.rhizome.policy.enterprise.internal.statement.StatementCodec;
import io.rhizome.spi.crypto.EncryptionProvider;
import io.rhizome.spi.crypto.KeyService;
import io.rhizome.spi.policy.SyncPolicy;
import io.rhizome.spi.policy.TrustedDevices;
import io.rhizome.spi.store.MetadataSpace;
import io.rhizome.spi.store.StoreException;

/**
 * The enterprise ACL policy's lifecycle shell: ranked above the personal policy, so starting this
 * bundle in a running node replaces the personal decisions at the next sync round, and stopping it
 * falls back to them. The rules are {@link EnterpriseRules}, the organisation {@link OrgBook} (fed
 * from the reserved namespace through {@link SyncService}), the audit trail {@link AuditLog}.
 */
@Component(service = { SyncPolicy.class, OrganisationService.class }, configurationPid = "io.rhizome.policy.enterprise",
        property = { SyncPolicy.NAME_PROPERTY + "=enterprise", "service.ranking:Integer=100" })
@Designate(ocd = EnterprisePolicyComponent.Config.class)
public class EnterprisePolicyComponent implements SyncPolicy, OrganisationService {

    private static final Logger LOG = LoggerFactory.getLogger(EnterprisePolicyComponent.class);

    @ObjectClassDefinition(name = "Rhizome enterprise ACL policy",
            description = "Roles, teams and per-namespace rights as admin-signed statements, enforced by every device.")
    public @interface Config {
        @AttributeDefinition(name = "Sync before an organisation exists",
                description = "Until this device knows an organisation statement, sync every namespace with every trusted device "
                        + "(like the personal policy), so devices can be paired and the organisation created. When false, only "
                        + "the organisation's statements sync until then.")
        boolean allowWithoutOrganisation() default true;

        @AttributeDefinition(name = "Revoke a removed member's devices",
                description = "When an admin removes a member on this device, also revoke the member's devices from the mesh "
                        + "(no longer trusted, a new mesh key epoch, so they cannot read what is written from then on).")
        boolean revokeRemovedDevices() default true;
    }

    private final List<TrustedDevices> trusted = new CopyOnWriteArrayList<>();
    private volatile EncryptionProvider crypto;
    private volatile KeyService keys;
    private volatile SyncService sync;
    private volatile AutoCloseable listener;
    private volatile io.rhizome.api.PairingService pairing;
    private volatile boolean revokeRemovedDevices = true;

    @Reference
    private MetadataSpace space;

    private AuditLog audit;
    private OrgBook book;
    private volatile EnterpriseRules rules;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addTrustedDevices(TrustedDevices t) {
        trusted.add(t);
    }

    void removeTrustedDevices(TrustedDevices t) {
        trusted.remove(t);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void setCrypto(EncryptionProvider p) {
        crypto = p;
        refresh();
    }

    void unsetCrypto(EncryptionProvider p) {
        if (crypto == p) {
            crypto = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void setKeys(KeyService k) {
        keys = k;
    }

    void unsetKeys(KeyService k) {
        if (keys == k) {
            keys = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void setSync(SyncService s) {
        sync = s;
        if (book != null) {
            watch(s);
        }
    }

    void unsetSync(SyncService s) {
        if (sync == s) {
            sync = null;
            closeListener();
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void setPairing(io.rhizome.api.PairingService p) {
        pairing = p;
    }

    void unsetPairing(io.rhizome.api.PairingService p) {
        if (pairing == p) {
            pairing = null;
        }
    }

    @Activate
    void activate(Config config) throws StoreException {
        revokeRemovedDevices = config.revokeRemovedDevices();
        audit = new AuditLog(space);
        book = new OrgBook(this::verify, audit::append, System::currentTimeMillis);
        for (AuditRecord r : audit.query(0)) {
            if (!r.statement().isEmpty()) {
                book.alreadyAudited(r.statement(), r.decision());
            }
        }
        rules = new EnterpriseRules(book, this::isTrusted, config.allowWithoutOrganisation(), audit::append,
                System::currentTimeMillis);
        SyncService s = sync;
        if (s != null) {
            watch(s);
        }
        LOG.info("enterprise policy started (allowWithoutOrganisation={}); organisation: {}", config.allowWithoutOrganisation(),
                book.organisation().map(o -> o.name() + " " + o.id()).orElse("none yet"));
    }

    @Deactivate
    void deactivate() {
        closeListener();
        audit.close();
        LOG.info("enterprise policy stopped; the next ranked policy decides from now on");
    }

    private synchronized void watch(SyncService s) {
        closeListener();
        listener = s.addChangeListener(OrgBook.NAMESPACE, e -> refresh());
        refresh();
    }

    private void closeListener() {
        AutoCloseable l = listener;
        listener = null;
        if (l != null) {
            try {
                l.close();
            } catch (Exception e) {
                LOG.debug("closing the statements listener: {}", e.toString());
            }
        }
    }

    /** Reads the statements again (after a change of the reserved namespace, or a provider came). */
    void refresh() {
        SyncService s = sync;
        OrgBook b = book;
        if (s == null || b == null) {
            return;
        }
        try {
            b.ingest(s.get(OrgBook.NAMESPACE, OrgBook.KEY).orElse(null));
        } catch (RuntimeException e) {
            LOG.warn("organisation statements could not be read: {}", e.toString());
        }
    }

    private boolean verify(String device, byte[] message, byte[] signature) {
        EncryptionProvider p = crypto;
        if (p == null) {
            return false;
        }
        try {
            return p.verify(Base64.getUrlDecoder().decode(device), message, signature);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private boolean isTrusted(String deviceId) {
        for (TrustedDevices t : trusted) {
            try {
                if (t.isTrusted(deviceId)) {
                    return true;
                }
            } catch (RuntimeException e) {
                LOG.warn("TrustedDevices service failed for {}: {}", deviceId, e.toString());
            }
        }
        return false;
    }

    @Override
    public Decision canSend(String peerId, String namespace) {
        return rules.canSend(peerId, namespace);
    }

    @Override
    public Decision canReceive(String peerId, String namespace, String authorDeviceId) {
        return rules.canReceive(peerId, namespace, authorDeviceId);
    }

    @Override
    public Decision canReceive(String peerId, String namespace, String authorDeviceId, java.util.Set<String> writePoint) {
        return rules.canReceive(peerId, namespace, authorDeviceId, writePoint);
    }

    @Override
    public java.util.Set<String> writePoint(String namespace) {
        return rules.writePoint(namespace);
    }

    @Override
    public Optional<String> awaiting(String namespace, java.util.Set<String> writePoint) {
        return rules.awaiting(namespace, writePoint);
    }

    @Override
    public long decisionsVersion() {
        return rules.decisionsVersion();
    }

    @Override
    public void audit(String peerId, String namespace, Decision decision) {
        // Denials are audited with member, rule and statement where they are decided (EnterpriseRules).
        if (!decision.allowed()) {
            LOG.info("policy enterprise refused namespace '{}' for peer {}: {}", namespace, peerId, decision.reason());
        }
    }

    // ------------------------------------------------------------------ OrganisationService

    @Override
    public JsonNode show() {
        KeyService k = keys;
        return OrganisationView.of(book, k == null ? "" : k.deviceId());
    }

    @Override
    public JsonNode create(String name, String member) {
        OrgAdmin a = admin();
        if (book.organisation().isEmpty()) {
            // Declared mesh-wide (not by a local NamespaceProvider), so a node without an organisation
            // shows and exports no trace of it; the declaration reaches every device before the statements.
            sync.declare(io.rhizome.spi.namespace.NamespaceDefinition.of(OrgBook.NAMESPACE, "g-set"));
        }
        a.create(name, member);
        return show();
    }

    @Override
    public JsonNode setMember(String name, String role, List<String> teams, Optional<String> device) {
        OrgAdmin a = admin();
        a.setMember(name, role, teams);
        device.ifPresent(d -> a.addDevice(name, d));
        return show();
    }

    @Override
    public JsonNode removeMember(String name) {
        List<String> devices = book.organisation().map(o -> o.devices().entrySet().stream().filter(e -> e.getValue().equals(name))
                .map(java.util.Map.Entry::getKey).sorted().toList()).orElse(List.of());
        admin().removeMember(name);
        io.rhizome.api.PairingService p = pairing;
        if (revokeRemovedDevices && p != null) {
            for (String d : devices) {
                try {
                    p.revoke(d);
                    LOG.info("member '{}' removed: its device {} revoked from the mesh (new mesh key epoch)", name, d);
                } catch (io.rhizome.api.PairingException e) {
                    LOG.info("member '{}' removed: its device {} was not revoked from the mesh: {}", name, d, e.getMessage());
                }
            }
        }
        return show();
    }

    @Override
    public JsonNode grant(String principal, String pattern, boolean write) {
        admin().grant(pattern, principal, write);
        return show();
    }

    @Override
    public JsonNode revoke(String principal, String pattern) {
        admin().revoke(pattern, principal);
        return show();
    }

    @Override
    public List<JsonNode> audit(Instant since) {
        try {
            return audit.query(since.toEpochMilli()).stream().map(r -> (JsonNode) r.toJson()).toList();
        } catch (StoreException e) {
            throw new IllegalStateException("the audit log cannot be read: " + e.getMessage(), e);
        }
    }

    private OrgAdmin admin() {
        KeyService k = keys;
        SyncService s = sync;
        if (k == null || s == null) {
            throw new IllegalStateException("the node's key service or sync service is not running; try again when the node has started");
        }
        return new OrgAdmin(book, k.deviceId(), m -> {
            try {
                return k.signWithIdentity(m);
            } catch (io.rhizome.spi.crypto.CryptoException e) {
                throw new IllegalStateException("this device's identity key cannot sign: " + e.getMessage(), e);
            }
        }, st -> {
            s.add(OrgBook.NAMESPACE, OrgBook.KEY, StatementCodec.toJson(st));
            refresh();
        }, System::currentTimeMillis);
    }
}

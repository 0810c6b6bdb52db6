package io.rhizome.pairing.internal;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.api.PairingException;
import io.rhizome.api.PairingException.Reason;
import io.rhizome.api.PairingService;
import io.rhizome.api.SyncService;
import io.rhizome.spi.crypto.CryptoException;
import io.rhizome.spi.crypto.KeyService;
import io.rhizome.spi.crypto.KeyService.MeshKey;
import io.rhizome.spi.store.MetadataSpace;
import io.rhizome.spi.store.StoreException;
import io.rhizome.spi.transport.ProtocolChannels;
import io.rhizome.spi.transport.Transport;

/**
 * Pairing, the trusted-device list and mesh updates, over any transport that offers
 * {@link ProtocolChannels}. Plain Java: the DS component wires it; tests drive it directly. The
 * trusted devices are kept in pairing's own {@link MetadataSpace} of the node's store.
 *
 * <p>Two protocols: {@value #PAIR_PROTOCOL} (J-PAKE exchange: {@link Invitations} on the inviting
 * side, {@link Joining} on the joining side) and {@value #MESH_PROTOCOL}: a trusted device pushes
 * the mesh state (every mesh key epoch, trusted devices with addresses, revoked devices) to the
 * others after a change and every {@value #MESH_PUSH_SECONDS} seconds until they acknowledged it
 * ({@link MeshPush}); receivers accept it only from a device they trust, never re-trust a device
 * they know as revoked, apply it all or nothing and forward what was new to them
 * ({@link MeshInbox}). Each device lists itself among the members with its current listen
 * addresses, so a device that moved (a restart on another port) is dialled where it is now.
 *
 * <p>A revoked device is told so, by the devices that refuse it, over the sync protocol (the
 * engine calls {@link MeshMembership#revokedBy}) and over the mesh protocol (a mesh update it pushes to a device
 * that revoked it is answered with the error code {@value #REVOKED_CODE}). Either notice counts only
 * from a device this one trusts; it is kept durably until this device pairs again, and meanwhile
 * this device pushes no mesh updates and its engine dials no one.
 */
public final class Pairing implements PairingService {

    public static final String PAIR_PROTOCOL = "/rhizome/pair/1.0.0";
    public static final String MESH_PROTOCOL = "/rhizome/mesh/1.0.0";
    static final int MESH_PUSH_SECONDS = 30;
    /** The mesh-protocol error code that tells a device it was revoked. */
    static final String REVOKED_CODE = "revoked";
    /** After a transport appears: announce this device's (possibly new) addresses soon, not in 30 s. */
    static final int ANNOUNCE_AFTER_START_SECONDS = 5;
    /** How often this device's own announcements are compared with what it announced before. */
    static final int ANNOUNCE_CHECK_SECONDS = 3;
    private static final Logger LOG = LoggerFactory.getLogger(Pairing.class);

    private final PairingParts parts;
    private final Invitations invitations;
    private final Joining joining;
    private final MeshPush push;
    private final MeshInbox inbox;
    /** This device's announcements at the last check (the same signed objects while nothing changed). */
    private volatile List<Announcement> lastAnnounced;

    /**
     * @param space      pairing's metadata space of the node's store
     * @param changeSets how many change sets the node's log holds (a node that holds any does not join)
     */
    public Pairing(KeyService keys, MetadataSpace space, LongSupplier changeSets, SyncService sync,
            Supplier<List<Transport>> transports, ScheduledExecutorService executor, LongSupplier clock) throws StoreException {
        this.parts = new PairingParts(keys, new TrustedStore(space), sync, transports, executor, clock);
        this.push = new MeshPush(parts);
        this.invitations = new Invitations(parts, push::meshChanged);
        this.joining = new Joining(parts, changeSets);
        this.inbox = new MeshInbox(parts, push);
        executor.scheduleWithFixedDelay(push::pushMeshSafely, MESH_PUSH_SECONDS, MESH_PUSH_SECONDS, TimeUnit.SECONDS);
        executor.scheduleWithFixedDelay(this::announceIfChanged, ANNOUNCE_CHECK_SECONDS, ANNOUNCE_CHECK_SECONDS, TimeUnit.SECONDS);
    }

    /**
     * Announcers that are not transports ({@link io.rhizome.spi.transport.PeerAnnouncement} services
     * of their own, such as the hub's device side), each by the kind it announces under; asked
     * every time, like the transports.
     */
    public void announcers(Supplier<java.util.Map<String, io.rhizome.spi.transport.PeerAnnouncement>> announcers) {
        parts.announcers(announcers);
    }

    /**
     * A changed announcement (a hub added on this device) is pushed within
     * {@value #ANNOUNCE_CHECK_SECONDS} s, not at the next {@value #MESH_PUSH_SECONDS}-s round: the
     * signed objects stay the same while the values do, so comparing them is cheap.
     */
    private void announceIfChanged() {
        try {
            List<Announcement> now = parts.ownAnnouncements();
            if (!now.equals(lastAnnounced)) {
                boolean first = lastAnnounced == null;
                lastAnnounced = now;
                if (!first) {
                    push.meshChanged();
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("checking this device's announcements failed: {}", e.toString());
        }
    }

    /** The engine's stream versions, which let a node restored from a backup join its mesh. */
    public void logVersions(java.util.function.Supplier<java.util.Optional<java.util.Map<String, Long>>> versions) {
        joining.versions(versions);
    }

    // ------------------------------------------------------------------ transports

    /** Serves the pairing and mesh protocols on a transport that can carry them. */
    public void transportAdded(Transport t) {
        if (t instanceof ProtocolChannels pc) {
            pc.serve(PAIR_PROTOCOL, invitations.inbound());
            pc.serve(MESH_PROTOCOL, inbox.inbound());
        }
        if (t instanceof ProtocolChannels || t instanceof io.rhizome.spi.transport.PeerAnnouncement) {
            // new addresses or a new announcement (a WireGuard key and endpoints) to tell the mesh
            parts.executor.schedule(push::pushMeshSafely, ANNOUNCE_AFTER_START_SECONDS, TimeUnit.SECONDS);
        }
    }

    public void transportRemoved(Transport t) {
        if (t instanceof ProtocolChannels pc) {
            pc.unserve(PAIR_PROTOCOL);
            pc.unserve(MESH_PROTOCOL);
        }
    }

    /** The trusted devices as the engine and the policy see them (the {@code TrustedDevices} service). */
    public MeshMembership membership() {
        return parts.membership;
    }

    // ------------------------------------------------------------------ PairingService

    @Override
    public Invitation invite() {
        return invitations.invite();
    }

    @Override
    public Optional<Invitation> invitation() {
        return invitations.invitation();
    }

    @Override
    public void cancelInvitation() {
        invitations.cancelInvitation();
    }

    @Override
    public TrustedPeer join(String codeText, Optional<String> address, Duration timeout) {
        return joining.join(codeText, address, timeout);
    }

    @Override
    public List<TrustedPeer> trustedPeers() {
        return parts.trusted.all();
    }

    @Override
    public void revoke(String deviceId) {
        TrustedStore trusted = parts.trusted;
        if (!trusted.isTrusted(deviceId)) {
            throw new PairingException(Reason.UNKNOWN_PEER, "device " + deviceId + " is not a trusted device of this node (see 'rhizome peers')");
        }
        MeshKey next;
        // under the trusted store's monitor, like a mesh update: the rotation cannot interleave with one
        synchronized (trusted) {
            try {
                trusted.revoke(deviceId, parts.clock.getAsLong());
                next = parts.keys.rotateMeshKey();
            } catch (StoreException | CryptoException e) {
                throw new PairingException(Reason.STORAGE, "revoking " + deviceId + " failed: " + e.getMessage(), e);
            }
        }
        parts.sync.forgetPeer(deviceId);
        LOG.warn("device {} revoked; new writes use mesh key epoch {}", deviceId, next.epoch());
        push.meshChanged();
    }

    public void close() {
        cancelInvitation();
    }
}

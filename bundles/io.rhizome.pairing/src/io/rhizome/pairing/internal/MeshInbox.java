package io.rhizome.pairing.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.api.PairingService.TrustedPeer;
import io.rhizome.spi.crypto.CryptoException;
import io.rhizome.spi.crypto.KeyService.MeshKey;
import io.rhizome.spi.store.StoreException;
import io.rhizome.spi.transport.TransportListener;

/**
 * Mesh updates received over {@value Pairing#MESH_PROTOCOL}: accepted only from a trusted device
 * (a revoked one is told so, a stranger that it is not trusted), and applied all or nothing.
 *
 * <p>All or nothing: the update is read and checked whole first (malformed parts, a mesh key epoch
 * held here with other bytes); then, while no other change of the trusted devices or the keys can
 * come in between, the new mesh keys are installed in one step and the new members, new addresses,
 * newer signed announcements and revocations are written in one atomic update of pairing's
 * metadata space. If installing the
 * keys fails nothing was written; if the write fails the key install is undone. Only then is the
 * sync engine told to forget the revoked devices. A device never re-trusts one it knows as
 * revoked, and what was new to it is pushed on to the others.
 */
final class MeshInbox {

    private static final Logger LOG = LoggerFactory.getLogger(MeshInbox.class);

    private final PairingParts parts;
    private final MeshPush push;

    MeshInbox(PairingParts parts, MeshPush push) {
        this.parts = parts;
        this.push = push;
    }

    /** The listener for inbound {@value Pairing#MESH_PROTOCOL} channels. */
    TransportListener inbound() {
        return link -> {
            String remote = link.remotePeerId();
            SerialChannel ch = new SerialChannel(link, parts.executor);
            ch.start(new ChannelHandler() {
                @Override
                public boolean message(ObjectNode m) throws PairingProtocolException {
                    if (parts.membership.isRevoked(remote)) {
                        LOG.info("refused a mesh update from {}: it was revoked; telling it so", remote);
                        ch.send(Wire.error(Pairing.REVOKED_CODE, "device " + remote + " was revoked from this mesh; pair it again to rejoin"));
                        return true;
                    }
                    if (!parts.trusted.isTrusted(remote)) {
                        LOG.warn("refused a mesh update from {}: not a trusted device", remote);
                        ch.send(Wire.error("untrusted", "device " + remote + " is not trusted here"));
                        return true;
                    }
                    if (!m.path("t").asText().equals("mesh")) {
                        throw new PairingProtocolException("expected a 'mesh' message");
                    }
                    try {
                        applyMesh(remote, m);
                        ch.send(Wire.message("ok"));
                    } catch (CryptoException | StoreException e) {
                        LOG.warn("refused the mesh update from {}: {}", remote, e.getMessage());
                        ch.send(Wire.error("refused", e.getMessage()));
                    }
                    return true;
                }
            });
        };
    }

    /** Applies a mesh update from {@code from} and pushes the state on if it changed. */
    void applyMesh(String from, ObjectNode m) throws PairingProtocolException, CryptoException, StoreException {
        MeshUpdate update = MeshUpdate.parse(m);
        String before = MeshPush.version(push.meshState());
        applyMeshUpdate(from, update);
        if (!before.equals(MeshPush.version(push.meshState()))) {
            push.meshChanged();
        }
    }

    private void applyMeshUpdate(String from, MeshUpdate update) throws CryptoException, StoreException {
        List<String> revoked;
        // The trusted store's monitor: no pairing, revocation or other mesh update changes the
        // trusted devices or the keys between deciding and writing.
        synchronized (parts.trusted) {
            for (MeshKey k : update.keys()) {
                Optional<MeshKey> held = parts.keys.meshKey(k.epoch());
                if (held.isPresent() && !held.get().equals(k)) {
                    throw new CryptoException("mesh key epoch " + k.epoch() + " from " + from + " differs from the one held here (two devices rotated at once?)");
                }
            }
            Plan plan = plan(update);
            revoked = plan.change().revoke().stream().map(TrustedStore.Revocation::deviceId).toList();
            List<MeshKey> before = parts.allKeys();
            List<MeshKey> fresh = freshKeys(update.keys());
            installKeys(before, fresh);
            try {
                parts.trusted.apply(plan.change());
            } catch (StoreException | RuntimeException e) {
                undoKeys(before, fresh, e);
                throw e;
            }
            fresh.forEach(k -> LOG.info("mesh key epoch {} received from {}", k.epoch(), from));
            plan.joined().forEach(id -> LOG.info("device {} joined the mesh (told by {})", id, from));
        }
        for (String id : revoked) {
            parts.sync.forgetPeer(id);
            LOG.warn("device {} was revoked by {}", id, from);
        }
    }

    /** What an update changes, and which devices it makes members. */
    private record Plan(TrustedStore.Change change, Set<String> joined) {
    }

    /** What the update changes: revocations first (a member revoked in the same update is not trusted). */
    private Plan plan(MeshUpdate update) {
        String self = parts.keys.deviceId();
        Map<String, TrustedStore.Revocation> revocations = new LinkedHashMap<>();
        long now = parts.clock.getAsLong();
        for (String id : update.revoked()) {
            if (!id.equals(self) && !parts.trusted.isRevoked(id)) {
                revocations.putIfAbsent(id, new TrustedStore.Revocation(id, now));
            }
        }
        Map<String, TrustedPeer> trust = new LinkedHashMap<>();
        Set<String> joined = new LinkedHashSet<>();
        List<Announcement> announced = new ArrayList<>();
        for (Welcome.MeshMember mm : update.members()) {
            String id = mm.deviceId();
            if (id.equals(self) || parts.trusted.isRevoked(id) || revocations.containsKey(id)) {
                continue;
            }
            announced.addAll(mm.announcements());
            TrustedPeer known = trust.get(id);
            if (known == null && !parts.trusted.isTrusted(id)) {
                trust.put(id, new TrustedPeer(id, DeviceIds.fingerprint(id), now, mm.addresses(), "mesh"));
                joined.add(id);
            } else if (known != null) {
                // the same device twice in one update: its second addresses go in front, as they would one update later
                TrustedStore.withAddresses(known, mm.addresses()).ifPresent(p -> trust.put(id, p));
            } else if (!mm.addresses().isEmpty()) {
                parts.trusted.withAddresses(id, mm.addresses()).ifPresent(p -> trust.put(id, p));
            }
        }
        return new Plan(new TrustedStore.Change(new ArrayList<>(trust.values()), new ArrayList<>(revocations.values()), announced), joined);
    }

    /** The keys of the update this device does not hold, one per epoch. */
    private List<MeshKey> freshKeys(List<MeshKey> offered) {
        Map<Long, MeshKey> fresh = new LinkedHashMap<>();
        for (MeshKey k : offered) {
            if (parts.keys.meshKey(k.epoch()).isEmpty()) {
                fresh.putIfAbsent(k.epoch(), k);
            }
        }
        return new ArrayList<>(fresh.values());
    }

    /**
     * Installs every fresh key in one step: the key service replaces its keys by the held ones plus
     * the fresh ones at once (and changes nothing if that fails), where installing them one by one
     * could leave some installed.
     */
    private void installKeys(List<MeshKey> before, List<MeshKey> fresh) throws CryptoException {
        if (fresh.isEmpty()) {
            return;
        }
        if (fresh.size() == 1) {
            parts.keys.installMeshKey(fresh.get(0));
            return;
        }
        List<MeshKey> all = new ArrayList<>(before);
        all.addAll(fresh);
        parts.keys.joinMesh(all);
    }

    private void undoKeys(List<MeshKey> before, List<MeshKey> fresh, Exception why) {
        if (fresh.isEmpty()) {
            return;
        }
        try {
            parts.keys.joinMesh(before);
        } catch (CryptoException | RuntimeException e) {
            LOG.error("a mesh update could not be stored ({}) and the {} mesh key(s) it installed could not be removed again: {}",
                    why.getMessage(), fresh.size(), e.getMessage());
        }
    }
}

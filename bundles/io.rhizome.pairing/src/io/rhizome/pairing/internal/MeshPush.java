package io.rhizome.pairing.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.api.PairingService.TrustedPeer;
import io.rhizome.spi.transport.ProtocolChannels;
import io.rhizome.spi.transport.Transport;

/**
 * Sends the mesh state (every mesh key epoch, the trusted devices with their addresses and signed
 * announcements, this device with its own, the revoked devices) over {@value Pairing#MESH_PROTOCOL} to every trusted
 * device that has not acknowledged its current version, trying each of its addresses in turn; a
 * device told it was revoked pushes nothing. What each peer acknowledged is kept in memory only:
 * after a restart everyone is told once.
 */
final class MeshPush {

    private static final Logger LOG = LoggerFactory.getLogger(MeshPush.class);

    private final PairingParts parts;
    /** Mesh state version each peer acknowledged. */
    private final Map<String, String> acknowledged = new ConcurrentHashMap<>();
    private final Set<String> pushing = ConcurrentHashMap.newKeySet();

    MeshPush(PairingParts parts) {
        this.parts = parts;
    }

    /** Pushes the mesh state soon, on the executor. */
    void meshChanged() {
        parts.executor.execute(this::pushMeshSafely);
    }

    /** The mesh state as this device would push it now. */
    ObjectNode meshState() {
        ObjectNode m = Wire.message("mesh");
        Welcome.keys(m.putArray("keys"), parts.allKeys());
        List<Welcome.MeshMember> members = new ArrayList<>(parts.members(null));
        members.add(new Welcome.MeshMember(parts.keys.deviceId(), parts.ownAddresses(), parts.ownAnnouncements()));
        Welcome.members(m.putArray("members"), members);
        var r = m.putArray("revoked");
        parts.trusted.revokedIds().stream().sorted().forEach(r::add);
        return m;
    }

    /** The version of a mesh state: the SHA-256 of its encoding. */
    static String version(ObjectNode state) {
        return java.util.HexFormat.of().formatHex(sha256(Wire.encode(state)));
    }

    private static byte[] sha256(byte[] b) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(b);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    void pushMeshSafely() {
        try {
            pushMesh();
        } catch (RuntimeException e) {
            LOG.warn("mesh update failed: {}", e.toString());
        }
    }

    private void pushMesh() {
        if (parts.trusted.selfRevoked().isPresent()) {
            return; // out of the mesh: nobody wants this device's updates, so do not dial them
        }
        ObjectNode state = meshState();
        String version = version(state);
        for (TrustedPeer p : parts.trusted.all()) {
            if (version.equals(acknowledged.get(p.deviceId())) || !pushing.add(p.deviceId())) {
                continue;
            }
            pushTo(p, state, version, new ArrayList<>(p.addresses()), 0);
        }
    }

    private void pushTo(TrustedPeer p, ObjectNode state, String version, List<String> addresses, int index) {
        if (index >= addresses.size()) {
            pushing.remove(p.deviceId());
            return;
        }
        String[] kindAddr = addresses.get(index).split(" ", 2);
        Optional<Transport> t = parts.channelTransports().stream().filter(x -> kindAddr.length == 2 && x.kind().equals(kindAddr[0])).findFirst();
        if (t.isEmpty()) {
            pushTo(p, state, version, addresses, index + 1);
            return;
        }
        ((ProtocolChannels) t.get()).open(kindAddr[1], Pairing.MESH_PROTOCOL).whenComplete((link, failure) -> {
            if (failure != null) {
                LOG.debug("mesh update to {} at {} failed: {}", p.deviceId(), kindAddr[1], failure.getMessage());
                pushTo(p, state, version, addresses, index + 1);
                return;
            }
            if (!link.remotePeerId().equals(p.deviceId())) {
                LOG.warn("the device at {} is {}, not {}; not sending it the mesh state", kindAddr[1], link.remotePeerId(), p.deviceId());
                link.close();
                pushTo(p, state, version, addresses, index + 1);
                return;
            }
            SerialChannel ch = new SerialChannel(link, parts.executor);
            ch.start(new ChannelHandler() {
                @Override
                public boolean message(ObjectNode m) {
                    if (m.path("t").asText().equals("ok")) {
                        acknowledged.put(p.deviceId(), version);
                        LOG.info("device {} has the current mesh state", p.deviceId());
                    } else if (m.path("code").asText().equals(Pairing.REVOKED_CODE)) {
                        // the channel is authenticated as p, a device trusted here (checked above)
                        parts.membership.revokedBy(p.deviceId(), java.time.Instant.ofEpochMilli(parts.clock.getAsLong()));
                    } else {
                        LOG.warn("device {} refused the mesh update: {}", p.deviceId(), m.path("message").asText(m.toString()));
                    }
                    return true;
                }

                @Override
                public void closed() {
                    pushing.remove(p.deviceId());
                    // the state may have changed while this push was in flight (pushes to a peer
                    // already being pushed to are skipped): push again if so
                    if (!version.equals(version(meshState()))) {
                        meshChanged();
                    }
                }
            });
            ch.send(state);
        });
    }
}

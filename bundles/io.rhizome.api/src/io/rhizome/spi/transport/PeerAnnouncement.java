package io.rhizome.spi.transport;

import java.util.Map;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Optional capability of a {@link Transport}: what the other devices must know about this one,
 * besides an address, before they can reach it (a WireGuard transport: its public key and its UDP
 * endpoints). A transport service that implements it is found by pairing through
 * {@code instanceof}, like {@link ProtocolChannels}. A bundle that is not a transport but has
 * something every device of the mesh should learn (the hub's device side: the hubs this device
 * uses) registers a {@code PeerAnnouncement} service of its own, with the service property
 * {@link Transport#KIND_PROPERTY} naming the kind it announces under (one not used by a
 * transport); pairing carries it the same way.
 *
 * <p><b>Who calls whom:</b> pairing asks {@link #announcement()} whenever it builds what it sends
 * (the welcome of a pairing, the joiner's reply, every mesh update), signs the answer with this
 * device's identity key and carries it, sealed like the rest of the pairing data, to every device
 * of the mesh; a device relays the announcements of the others unchanged, and keeps the newest
 * validly signed one per device and transport kind. On the receiving node the transport reads the
 * announcements of its peers through
 * {@link io.rhizome.spi.policy.TrustedDevices#announcement(String, String)}; a revoked device's
 * announcement is dropped with its trust.
 *
 * <p><b>Content:</b> at most 16 entries, keys of at most 64 and values of at most 512 characters;
 * nothing secret (every device of the mesh reads it). An empty map announces nothing. A changed
 * answer is propagated with the next mesh update (within the mesh push interval), so answer the
 * same map while nothing changed: a different map every call makes every mesh update new.
 *
 * <p><b>Threading and failure:</b> called on pairing threads; answers from memory, does not block,
 * never throws (nothing to announce: an empty map).
 *
 * <p><b>Versioning:</b> Implemented by transport plugins and called by pairing:
 * {@code @ConsumerType}: adding a method to it is a major change of this package.
 *
 * @since 0.1
 */
@ConsumerType
public interface PeerAnnouncement {

    /** What this device announces for this transport's {@link Transport#kind() kind}; never null. */
    Map<String, String> announcement();
}

package io.rhizome.spi.policy;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Says which devices belong to this node's mesh (paired devices, or a team's enrolled devices),
 * where they can be reached, and whether this device itself is still a member. Policies consult
 * every registered {@code TrustedDevices} service; the engine dials the devices they list. Pairing
 * provides one.
 *
 * <p><b>Registration:</b> an OSGi service; the engine and the policies use every registered one at
 * once (a device is trusted if any service trusts it) and pick them up or drop them at run time.
 *
 * <p><b>Threading:</b> thread-safe; every method is called on sync and transport threads, so it
 * must answer from memory and must not block (except {@link #revokedBy}, which may write to disk).
 *
 * <p><b>Failure:</b> the query methods never throw; a service that cannot answer says "not
 * trusted", "no addresses", "not revoked". An exception thrown anyway is logged by the engine and
 * treated like that answer.
 *
 * <p><b>Compatibility:</b> only {@link #isTrusted} is required; the other methods have defaults
 * that keep an implementation written against 0.1 working (the engine then dials only devices it
 * was connected to or found on the local network, and a revocation notice is only logged).
 *
 * <p><b>Versioning:</b> Implemented by plugins (pairing, a team directory) and called by the
 * engine and the policies: {@code @ConsumerType}: adding a method to it is a major change of this
 * package.
 *
 * @since 0.1
 */
@ConsumerType
public interface TrustedDevices {

    /** Whether {@code deviceId} is a trusted member of the mesh right now. */
    boolean isTrusted(String deviceId);

    /**
     * The trusted devices this service knows, so the engine can dial every one of them, not only
     * those it was connected to before. Default: none.
     *
     * @return a snapshot, never null
     * @since 0.1
     */
    default Set<String> trustedDeviceIds() {
        return Set.of();
    }

    /**
     * Where {@code deviceId} said it listens (or was last reached), best first. The engine tries
     * them in order, each with its own back-off, and only accepts a link that the transport
     * authenticated as {@code deviceId}. An address that is no use to a dialler (a wildcard such
     * as {@code /ip4/0.0.0.0/...}) should not be listed: a transport announces concrete addresses.
     * Default: none.
     *
     * @return never null; empty for an unknown or untrusted device
     * @since 0.1
     */
    default List<DeviceAddress> addresses(String deviceId) {
        return List.of();
    }

    /**
     * Whether {@code deviceId} was a member and was revoked (and is not trusted again). The engine
     * refuses its links and first tells it that it was revoked. Default: false.
     *
     * @since 0.1
     */
    default boolean isRevoked(String deviceId) {
        return false;
    }

    /**
     * Called by the engine when {@code byDevice}, which the transport authenticated and which
     * {@link #isTrusted trusted} here, refused this device's link because this device was revoked
     * from the mesh. An implementation records it durably (it must survive a restart) so that
     * {@link #revocation()} reports it until this device is paired again; it may write to disk,
     * on a sync thread. A failure to record is logged by the implementation. Default: ignored (the
     * engine only logs the notice and keeps dialling, at its usual bounded rate).
     *
     * @param byDevice the device that refused the link
     * @param at       when it did
     * @since 0.1
     */
    default void revokedBy(String byDevice, Instant at) {
    }

    /**
     * Set when this device learned that it was revoked from the mesh ({@link #revokedBy}) and was
     * not paired again since: a sentence for the user saying by whom, when, and what to do. While
     * it is set the engine dials no one and accepts no links. Default: empty.
     *
     * @since 0.1
     */
    default Optional<String> revocation() {
        return Optional.empty();
    }

    /**
     * What {@code deviceId} announced for transports of kind {@code transportKind} (a
     * {@link io.rhizome.spi.transport.PeerAnnouncement}): its newest announcement, signed by that
     * device, as pairing received it directly or relayed. A transport uses it to reach the device
     * (a WireGuard public key and endpoints). Default: none.
     *
     * @return never null; empty for an unknown, untrusted or revoked device, or one that announced nothing for the kind
     * @since 0.1
     */
    default Map<String, String> announcement(String deviceId, String transportKind) {
        return Map.of();
    }

    /**
     * A transport address of a device.
     *
     * @param transportKind the {@code transport.kind} of the transport that can dial it
     * @param address       in that transport's syntax (a multiaddr for {@code libp2p})
     * @since 0.1
     */
    record DeviceAddress(String transportKind, String address) {
        public DeviceAddress {
            Objects.requireNonNull(transportKind, "transportKind");
            Objects.requireNonNull(address, "address");
        }

        /** Parses {@code "kind address"} (the form of {@code PairingService.TrustedPeer#addresses}); empty if malformed. */
        public static Optional<DeviceAddress> parse(String kindSpaceAddress) {
            int space = kindSpaceAddress == null ? -1 : kindSpaceAddress.indexOf(' ');
            if (space <= 0 || space == kindSpaceAddress.length() - 1) {
                return Optional.empty();
            }
            return Optional.of(new DeviceAddress(kindSpaceAddress.substring(0, space), kindSpaceAddress.substring(space + 1)));
        }
    }
}

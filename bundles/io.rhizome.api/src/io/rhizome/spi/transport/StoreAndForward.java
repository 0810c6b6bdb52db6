package io.rhizome.spi.transport;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The engine's outbox and inbox as bytes, for transports that cannot hold a session: a cloud drive
 * folder, a relay mailbox. What leaves for a peer is a batch of sealed change sets (each signed by
 * its author and encrypted under the mesh key, exactly as on a live link) encoded as one byte
 * array; what arrives is such a byte array, offered back to the engine, which verifies and applies
 * it idempotently. No hello, no acknowledgement message: the caller carries what the peer holds
 * ({@code peerHas}, from the peer's own manifest) and the log position it reached ({@code cursor})
 * itself.
 *
 * <p><b>Registration:</b> the engine ({@code io.rhizome.core}) registers one while the node runs
 * and withdraws it before it stops; a store-and-forward transport references it dynamically.
 *
 * <p><b>Threading:</b> thread-safe; calls block while the engine reads its log or applies a
 * batch (bounded by the engine's write timeout). Call it from the transport's own thread.
 *
 * <p><b>Failure:</b> {@link #offer} applies per stream what it can (as for a live link) and names
 * the refused streams; bytes that do not decode, open or verify are refused whole with a
 * {@link RefusedException} and nothing of them is applied. {@link #next} throws
 * {@link RefusedException} only when the engine cannot read its log (stopping, storage error).
 *
 * <p><b>Versioning:</b> implemented by the engine, called by transports: {@code @ProviderType}
 * (a method may be added in a minor version).
 *
 * @since 0.1
 */
@ProviderType
public interface StoreAndForward {

    /** This device's id (base64url Ed25519 public key). */
    String deviceId();

    /** The versions this replica holds, per stream: what goes into its manifest for the others. */
    Map<String, Long> versions();

    /**
     * The next batch {@code peerId} lacks, from log position {@code cursor}, given that it holds
     * {@code peerHas}; only what the policy and scopes let that peer receive; empty at the head of
     * the log.
     *
     * @param maxBytes the payload budget of the batch (one change set at least)
     */
    Optional<Outgoing> next(String peerId, long cursor, Map<String, Long> peerHas, long maxBytes) throws RefusedException;

    /**
     * Verifies and applies a batch picked up from {@code peerId} (the device whose folder held
     * it); re-offered change sets count as duplicates and change nothing.
     */
    Incoming offer(String peerId, byte[] batch) throws RefusedException;

    /**
     * Tells the engine that {@code peerId} finds {@code versions} in the store (written for it, or
     * held by it per its manifest), so that its pending count in status is what the store's copy
     * lacks, not only what a live link has not acknowledged. Call it after every write round; the
     * engine keeps it in memory only.
     *
     * @since 0.1
     */
    default void forwarded(String peerId, Map<String, Long> versions) {
    }

    /**
     * One batch for a peer.
     *
     * @param batch      the encoded batch, opaque to the transport
     * @param endCursor  the log position to continue from
     * @param peerHas    what the peer holds once it applied the batch
     * @param changeSets how many change sets it carries
     */
    record Outgoing(byte[] batch, long endCursor, Map<String, Long> peerHas, int changeSets) {
    }

    /**
     * The outcome of an offer.
     *
     * @param refused the streams refused, each with its reason (they are not applied from the refused change set on)
     */
    record Incoming(int applied, int duplicates, Map<String, Long> versions, List<String> refused) {
    }

    /** Bytes the engine does not accept (or cannot produce now), with a sentence saying why. */
    final class RefusedException extends Exception {
        private static final long serialVersionUID = 1L;

        public RefusedException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}

package io.rhizome.spi.policy;

import java.util.Optional;
import java.util.Set;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Decides, per peer and namespace, what may be sent and received. Contributed as an OSGi service
 * with {@value #NAME_PROPERTY}; the engine asks the one with the highest {@code service.ranking}
 * (so an enterprise bundle with a higher ranking replaces the personal one at run time). With no
 * policy installed the engine sends and accepts nothing.
 *
 * <p>The engine asks {@link #canSend} before sending each batch and {@link #canReceive} for each
 * batch received, before applying anything; a refused batch is never applied and the sender gets
 * a protocol {@code Error} with {@link Decision#reason()}. Every refusal is reported to
 * {@link #audit}.
 *
 * <p><b>Causal point of a write.</b> A policy whose rules change over time (signed statements) can
 * have a write judged by the rules its author knew when writing instead of those the receiver
 * holds when it arrives: the engine asks {@link #writePoint(String)} for each local change set and
 * carries the answer, signed with the change set, to every receiver, which asks
 * {@link #awaiting(String, Set)} (a point it does not know yet holds the stream back, to be offered again)
 * and then {@link #canReceive(String, String, String, Set)}. A policy that keeps the defaults
 * writes no point, and its change sets are the same bytes as before.
 *
 * <p><b>Threading:</b> thread-safe; called on sync threads, so decisions must be fast (no I/O).
 *
 * <p><b>Versioning:</b> Implemented by policy plugins ({@code io.rhizome.policy.personal}, an
 * enterprise policy) and called by the engine: {@code @ConsumerType}: adding a method to it is a
 * major change of this package.
 *
 * @since 0.1
 */
@ConsumerType
public interface SyncPolicy {

    /** The service property that names a policy. */
    String NAME_PROPERTY = "policy.name";

    /** May events of {@code namespace} be sent to {@code peerId}? */
    Decision canSend(String peerId, String namespace);

    /** May events of {@code namespace}, written by {@code authorDeviceId}, be accepted from {@code peerId}? */
    Decision canReceive(String peerId, String namespace, String authorDeviceId);

    /**
     * May a change set of {@code namespace}, written by {@code authorDeviceId} at {@code writePoint}
     * (what this policy's {@link #writePoint(String)} answered on the author's device; empty if the change
     * set carries none), be accepted from {@code peerId}? Asked only after {@link #awaiting} found
     * the point known. Default: {@link #canReceive(String, String, String)}, the point ignored.
     *
     * @since 0.1
     */
    default Decision canReceive(String peerId, String namespace, String authorDeviceId, Set<String> writePoint) {
        return canReceive(peerId, namespace, authorDeviceId);
    }

    /**
     * The causal point of this policy's state that a local write to {@code namespace} is made at,
     * as opaque ids (for example the heads of a graph of signed statements), carried in the signed
     * change set; empty for none (a policy's own namespaces, say, which must not wait for
     * themselves). Called on the engine thread for every local transaction: answer from memory.
     * Default: empty.
     *
     * @since 0.1
     */
    default Set<String> writePoint(String namespace) {
        return Set.of();
    }

    /**
     * Why a change set of {@code namespace} written at {@code writePoint} cannot be judged yet (this node does not hold
     * what the point names), or empty if it can. The engine then holds its stream back (nothing of
     * it applied, the sender told, the stream offered again) instead of refusing it for good. Not
     * asked for an empty point. Default: empty.
     *
     * @since 0.1
     */
    default Optional<String> awaiting(String namespace, Set<String> writePoint) {
        return Optional.empty();
    }

    /**
     * A number that changes whenever decisions this policy made before may now come out otherwise
     * (an ACL statement arrived, its configuration changed). The engine then looks again, within its
     * next sync round, at what it withheld from connected peers, so a new right delivers what was
     * written before it. Called on sync threads: answer from memory. Default: never changes (a
     * policy whose answers only depend on which devices are trusted).
     *
     * @since 0.1
     */
    default long decisionsVersion() {
        return 0;
    }

    /** Records a refusal (or any decision a policy wants audited). Must not throw. */
    default void audit(String peerId, String namespace, Decision decision) {
    }

    /** A decision with a reason a person can read. */
    record Decision(boolean allowed, String reason) {
        public static final Decision ALLOW = new Decision(true, "allowed");

        public static Decision deny(String reason) {
            return new Decision(false, reason);
        }
    }
}

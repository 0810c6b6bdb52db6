package io.rhizome.spi.policy;

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

package io.rhizome.spi.policy;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Says which devices belong to this node's mesh (paired devices, or a team's enrolled devices).
 * Policies consult every registered {@code TrustedDevices} service; pairing provides one.
 *
 * <p>Thread-safe; called on sync threads, so it must answer from memory.
 *
 * @since 0.1
 */
@ConsumerType
public interface TrustedDevices {

    /** Whether {@code deviceId} is a trusted member of the mesh right now. */
    boolean isTrusted(String deviceId);
}

package io.rhizome.transport.wireguard.internal;

import java.util.Map;
import java.util.Set;

/**
 * The mesh as pairing knows it, as far as WireGuard needs it: the trusted devices, what each
 * announced for the {@code wireguard} transport (its public key, endpoints and mesh id, signed by it
 * and carried by pairing), and which were revoked. The component answers it from every
 * {@code TrustedDevices} service; tests give a map.
 *
 * <p>Thread-safe, answers from memory; a failing service counts as "nothing known".
 */
public interface MeshMembers {

    Set<String> trusted();

    /** What the device announced for WireGuard; empty if nothing. */
    Map<String, String> announcement(String deviceId);

    boolean revoked(String deviceId);

    /** Nobody: only configured peers ({@code wg.peers}). */
    MeshMembers NONE = new MeshMembers() {
        @Override
        public Set<String> trusted() {
            return Set.of();
        }

        @Override
        public Map<String, String> announcement(String deviceId) {
            return Map.of();
        }

        @Override
        public boolean revoked(String deviceId) {
            return false;
        }
    };
}

package io.rhizome.transport.libp2p.internal;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/**
 * Remembers which port a port-0 listen address got, so a node restarted later listens at the same
 * address and peers' stored addresses stay valid. Keys are the configured multiaddr texts.
 */
public interface ListenPortStore {

    /** Remembers nothing. */
    ListenPortStore NONE = new ListenPortStore() {
        @Override
        public Optional<Integer> port(String listenAddress) {
            return Optional.empty();
        }

        @Override
        public void remember(Map<String, Integer> ports) {
        }
    };

    /** The port {@code listenAddress} got the last time, if known. */
    Optional<Integer> port(String listenAddress);

    /** Records the ports these listen addresses got now (others stay as they were). */
    void remember(Map<String, Integer> ports) throws IOException;
}

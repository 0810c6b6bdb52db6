package io.rhizome.spi.transport;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Receives links that remote devices opened to this node. Implemented by the engine.
 *
 * @since 0.1
 */
@ConsumerType
public interface TransportListener {

    /** A remote device connected and was authenticated. Called from a transport thread. */
    void inbound(PeerLink link);
}

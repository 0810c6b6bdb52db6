package io.rhizome.spi.transport;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Receives links that remote devices opened to this node. Implemented by the engine.
 *
 * <p><b>Versioning:</b> Implemented by the engine only; transports call it: {@code @ProviderType}:
 * a method may be added in a minor version.
 *
 * @since 0.1
 */
@ProviderType
public interface TransportListener {

    /** A remote device connected and was authenticated. Called from a transport thread. */
    void inbound(PeerLink link);

    /**
     * A device announced itself on the local network (mDNS for libp2p) at {@code address}, in the
     * transport's address syntax. The engine connects if the device is trusted; transports call this
     * repeatedly while the device stays visible. Called from a transport thread; must not block.
     *
     * @since 0.1
     */
    default void discovered(String deviceId, String address) {
    }
}

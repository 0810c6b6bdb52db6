package io.rhizome.spi.transport;

import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Receives the messages of one {@link PeerLink}. Implemented by the engine. Calls for one link are
 * never concurrent and arrive in order.
 *
 * <p><b>Versioning:</b> Implemented by the engine only; transports call it: {@code @ProviderType}:
 * a method may be added in a minor version.
 *
 * @since 0.1
 */
@ProviderType
public interface MessageReceiver {

    /** One whole message. */
    void message(PeerLink link, byte[] message);

    /** The link closed, with the cause if it failed. Called once. */
    void closed(PeerLink link, Optional<Throwable> cause);
}

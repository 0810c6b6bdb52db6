package io.rhizome.spi.transport;

import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Optional capability of a {@link Transport}: carrying other protocols than sync between two
 * authenticated devices, for example pairing ({@code /rhizome/pair/1.0.0}) or mesh-key updates.
 * A transport service that implements it is used by those features through {@code instanceof}.
 *
 * <p>Channels have the same contract as sync links ({@link PeerLink}: whole messages, reliable,
 * ordered, authenticated remote device id). On a {@code libp2p} transport a channel is a Yamux
 * stream negotiated with multistream-select under the protocol id, so a protocol served here is
 * listed in identify.
 *
 * <p>Thread-safe. Handlers are called on transport threads and must not block.
 *
 * <p><b>Versioning:</b> Implemented by transport plugins and called by pairing:
 * {@code @ConsumerType}: adding a method to it is a major change of this package.
 *
 * @since 0.1
 */
@ConsumerType
public interface ProtocolChannels {

    /**
     * Serves {@code protocol}: every inbound channel for it is handed to {@code handler} (its
     * {@link TransportListener#inbound} method). Replaces an earlier handler for the same protocol.
     * Takes effect at once if the transport runs, else from its next start.
     */
    void serve(String protocol, TransportListener handler);

    /** Stops serving {@code protocol}; open channels stay open. Idempotent. */
    void unserve(String protocol);

    /**
     * Opens a channel speaking {@code protocol} to the device at {@code address} (this transport's
     * address syntax). Fails with an {@link java.io.IOException} when the address cannot be reached
     * or the remote does not speak the protocol.
     */
    CompletionStage<PeerLink> open(String address, String protocol);
}

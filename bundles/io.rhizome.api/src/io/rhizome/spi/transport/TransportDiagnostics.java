package io.rhizome.spi.transport;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Optional capability of a {@link Transport}: what operators need to check connectivity by hand
 * ({@code rhizome p2p ping/connect}, {@code rhizome status}). Works against any node speaking the
 * transport's protocol, not only Rhizome nodes.
 *
 * <p><b>Threading and failure:</b> thread-safe; the stages complete on transport threads, or
 * exceptionally with an {@link java.io.IOException} naming the address and what failed (refused,
 * timed out, protocol not spoken); {@link IllegalArgumentException} for an address the transport
 * cannot parse. Callers bound their own waiting.
 *
 * <p><b>Versioning:</b> Implemented by transport plugins and called by the REST API:
 * {@code @ConsumerType}: adding a method to it is a major change of this package.
 *
 * @since 0.1
 */
@ConsumerType
public interface TransportDiagnostics {

    /**
     * This node as the transport sees it, for status output: for {@code libp2p} {@code peerId}
     * (base58btc), {@code listenAddresses} (multiaddrs including {@code /p2p/<PeerId>}) and
     * {@code streamsOpened} (streams this node opened since it started: how often it dials).
     */
    Map<String, Object> localInfo();

    /** One round trip of the transport's ping to {@code address}. */
    CompletionStage<Duration> ping(String address);

    /**
     * Connects to {@code address} and returns what the remote says about itself (for libp2p the
     * identify fields: {@code peerId}, {@code agentVersion}, {@code protocolVersion},
     * {@code protocols}, {@code listenAddresses}, {@code observedAddress}).
     */
    CompletionStage<Map<String, Object>> probe(String address);
}

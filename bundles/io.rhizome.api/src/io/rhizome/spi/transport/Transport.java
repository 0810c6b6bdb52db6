package io.rhizome.spi.transport;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A way to reach peer devices, contributed as an OSGi service.
 *
 * <p><b>Registration:</b> register with {@value #KIND_PROPERTY} (for example {@code libp2p}); the
 * engine uses every registered transport at once and picks one up or drops it the moment its
 * bundle starts or stops. Queued events wait while no transport reaches a peer.
 *
 * <p><b>Lifecycle:</b> the engine calls {@link #start} once, then any number of {@link #connect},
 * then {@link #stop} (also when the service goes away). After {@code stop} every link the
 * transport produced is closed. A stopped transport can be started again (the engine's
 * pause/resume does so on the same instance).
 *
 * <p><b>Conformance:</b> every implementation's tests subclass
 * {@code io.rhizome.testsupport.transport.TransportConformanceSuite}.
 *
 * <p><b>Contract of links:</b> a {@link PeerLink} carries whole messages, reliably and in order,
 * between two authenticated devices; the transport does the authentication and says who the
 * remote device is. Store-and-forward transports (a cloud folder) satisfy this with a higher
 * latency.
 *
 * <p><b>Threading:</b> thread-safe. Callbacks to {@link TransportListener} and {@link MessageReceiver}
 * come from transport threads and must not block for long.
 *
 * <p><b>Failure:</b> connection failures complete the returned stage exceptionally with an
 * {@link IOException} whose message says what failed (address, reason). A transport never throws
 * from a callback into the engine.
 *
 * <p><b>Versioning:</b> Implemented by transport plugins and called by the engine:
 * {@code @ConsumerType}: adding a method to it is a major change of this package.
 *
 * @since 0.1
 */
@ConsumerType
public interface Transport {

    /** The service property that names the kind of transport. */
    String KIND_PROPERTY = "transport.kind";

    /** The kind, equal to the {@value #KIND_PROPERTY} service property. */
    String kind();

    /**
     * Starts listening; each authenticated inbound connection is handed to {@code listener}.
     *
     * @throws IOException if the transport cannot start (address in use, interface missing...)
     */
    void start(TransportListener listener) throws IOException;

    /** Stops listening and closes every link. Idempotent. */
    void stop();

    /**
     * Opens a link to the device at {@code address}, in this transport's own address syntax (a
     * multiaddr for libp2p).
     */
    CompletionStage<PeerLink> connect(String address);

    /**
     * The addresses peers can reach this node at, in this transport's syntax; empty when stopped.
     * Concrete addresses only: a wildcard bind ({@code 0.0.0.0}, {@code ::}) is listed as the
     * addresses of the interfaces it covers, and a port-0 bind as the port it got, because these
     * addresses are announced to other devices, which dial them.
     */
    List<String> listenAddresses();
}

package io.rhizome.spi.transport;

import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A reliable, ordered, message-oriented channel to one authenticated remote device.
 *
 * <p>Messages are delivered whole and in the order sent, at most once each; after the link closes,
 * nothing more is delivered. Thread-safe.
 *
 * <p><b>Versioning:</b> Implemented by transport plugins (a transport's links) and called by the
 * engine and pairing: {@code @ConsumerType}: adding a method to it is a major change of this
 * package.
 *
 * @since 0.1
 */
@ConsumerType
public interface PeerLink {

    /** The authenticated device id of the remote end. */
    String remotePeerId();

    /** The {@code transport.kind} this link runs over. */
    String transportKind();

    /** The largest message {@link #send} accepts, in bytes. */
    int maxMessageSize();

    /**
     * Sets who receives this link's messages. Messages that arrive before a receiver is set are
     * held (bounded by the transport's flow control) and delivered once it is.
     */
    void receiver(MessageReceiver receiver);

    /**
     * Queues a message. The stage completes when the transport has handed the message on (not when
     * the peer processed it: the sync protocol acknowledges that itself), or exceptionally if the
     * link closed first or the message is larger than {@link #maxMessageSize()}.
     */
    CompletionStage<Void> send(byte[] message);

    /** Whether the link is still open. */
    boolean isOpen();

    /**
     * Closes the link; the receiver on each side is told once. The close is graceful towards the
     * remote end: messages whose {@link #send} stage already completed are still delivered to it
     * before it is told (the engine sends a protocol {@code Error} and closes right after). This side
     * receives nothing more. Idempotent.
     */
    void close();
}

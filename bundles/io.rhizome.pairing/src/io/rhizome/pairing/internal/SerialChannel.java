package io.rhizome.pairing.internal;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.spi.transport.MessageReceiver;
import io.rhizome.spi.transport.PeerLink;

/**
 * A pairing or mesh conversation on one channel: decodes messages and hands them to a
 * {@link ChannelHandler} one at a time on the pairing executor (never on the transport thread, as
 * J-PAKE computations take tens of milliseconds); a protocol violation is answered with an
 * {@code error} message, logged, and ends the conversation.
 */
final class SerialChannel implements MessageReceiver {

    private static final Logger LOG = LoggerFactory.getLogger(SerialChannel.class);

    private final PeerLink link;
    private final Executor executor;
    private ChannelHandler handler;
    private boolean done;
    private CompletionStage<Void> lastSend = CompletableFuture.completedFuture(null);

    SerialChannel(PeerLink link, Executor executor) {
        this.link = link;
        this.executor = executor;
    }

    void start(ChannelHandler h) {
        this.handler = h;
        link.receiver(this);
    }

    /** Sends a message (from the executor thread or before {@link #start}). */
    synchronized void send(ObjectNode m) {
        lastSend = link.send(Wire.encode(m));
    }

    @Override
    public void message(PeerLink l, byte[] bytes) {
        executor.execute(() -> handle(bytes));
    }

    private void handle(byte[] bytes) {
        if (done) {
            return;
        }
        try {
            if (handler.message(Wire.decode(bytes))) {
                finish();
            }
        } catch (PairingProtocolException | RuntimeException e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            LOG.warn("{} with device {} failed: {}", "pairing conversation", link.remotePeerId(), why);
            if (!(e instanceof PairingProtocolException)) {
                LOG.debug("details", e);
            }
            send(Wire.error("protocol", why));
            handler.failed(why);
            finish();
        }
    }

    private void finish() {
        if (!done) {
            done = true;
            handler.closed();
            CompletionStage<Void> s;
            synchronized (this) {
                s = lastSend;
            }
            s.whenComplete((v, t) -> link.close());
        }
    }

    @Override
    public void closed(PeerLink l, Optional<Throwable> cause) {
        executor.execute(() -> {
            if (!done) {
                done = true;
                handler.closed();
            }
        });
    }
}

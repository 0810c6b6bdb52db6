package com.example.rhizome.transport.udp.internal;

import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.Executor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.transport.MessageReceiver;
import io.rhizome.spi.transport.PeerLink;

/**
 * Hands one link's messages to its receiver, as {@link MessageReceiver} requires: in order, one
 * call at a time, never under the link's lock, held until a receiver is set, and {@code closed}
 * exactly once, after the last message. Runs on the transport's delivery executor.
 */
final class Delivery {

    private static final Logger LOG = LoggerFactory.getLogger(Delivery.class);

    private final PeerLink link;
    private final Executor executor;
    private final ArrayDeque<byte[]> waiting = new ArrayDeque<>();
    private long waitingBytes;
    private MessageReceiver receiver;
    private boolean draining;
    private boolean close;
    private boolean told;
    private Optional<Throwable> cause = Optional.empty();

    Delivery(PeerLink link, Executor executor) {
        this.link = link;
        this.executor = executor;
    }

    void receiver(MessageReceiver r) {
        synchronized (this) {
            receiver = r;
        }
        schedule();
    }

    /** A whole message arrived. */
    void message(byte[] m) {
        synchronized (this) {
            if (close) {
                return;
            }
            waiting.add(m);
            waitingBytes += m.length;
        }
        schedule();
    }

    /** The link closed: what waits is still delivered (a close by the peer comes after its messages). */
    void closed(Optional<Throwable> why) {
        synchronized (this) {
            if (close) {
                return;
            }
            close = true;
            cause = why;
        }
        schedule();
    }

    /** The link closed here, or failed: nothing more is delivered, only {@code closed}. */
    void closedNow(Optional<Throwable> why) {
        synchronized (this) {
            waiting.clear();
            waitingBytes = 0;
        }
        closed(why);
    }

    /** Bytes of messages that arrived but were not taken yet (the link's flow control). */
    synchronized long waitingBytes() {
        return waitingBytes;
    }

    private void schedule() {
        synchronized (this) {
            if (draining || receiver == null) {
                return;
            }
            draining = true;
        }
        executor.execute(this::drain);
    }

    private void drain() {
        while (true) {
            MessageReceiver r;
            byte[] message = null;
            Optional<Throwable> closing = null;
            synchronized (this) {
                r = receiver;
                if (!waiting.isEmpty()) {
                    message = waiting.poll();
                    waitingBytes -= message.length;
                } else if (close && !told) {
                    told = true;
                    closing = cause;
                } else {
                    draining = false;
                    return;
                }
            }
            try {
                if (message != null) {
                    r.message(link, message);
                } else {
                    r.closed(link, closing);
                }
            } catch (RuntimeException e) {
                LOG.warn("the receiver of {} threw: {}", link, e.toString());
            }
        }
    }
}

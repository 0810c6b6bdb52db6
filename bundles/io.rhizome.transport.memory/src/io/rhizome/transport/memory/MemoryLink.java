package io.rhizome.transport.memory;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import io.rhizome.spi.transport.MessageReceiver;
import io.rhizome.spi.transport.PeerLink;

/**
 * One side of an in-memory link. Messages are copied and delivered in order by a per-side delivery
 * thread. A close is graceful towards the remote side, like a TCP FIN: messages already handed on
 * to it are still delivered, then it is told the link closed (the engine sends a protocol
 * {@code Error} and closes right after, and the peer must see that error). The closing side itself
 * receives nothing more.
 */
final class MemoryLink implements PeerLink {

    record Pair(MemoryLink a, MemoryLink b) {
    }

    private final MemoryTransport local;
    private final String remoteId;
    private final int maxMessageSize;
    private final Consumer<MemoryLink> onClose;
    private final AtomicBoolean open = new AtomicBoolean(true);
    private final ArrayDeque<byte[]> inbox = new ArrayDeque<>();
    private MemoryLink peer;
    private MessageReceiver receiver;
    private boolean delivering;
    private boolean closedNotified;

    private MemoryLink(MemoryTransport local, String remoteId, int maxMessageSize, Consumer<MemoryLink> onClose) {
        this.local = local;
        this.remoteId = remoteId;
        this.maxMessageSize = maxMessageSize;
        this.onClose = onClose;
    }

    static Pair pair(MemoryTransport from, MemoryTransport to, int maxMessageSize, Consumer<MemoryLink> onClose) {
        MemoryLink a = new MemoryLink(from, to.deviceId(), maxMessageSize, onClose);
        MemoryLink b = new MemoryLink(to, from.deviceId(), maxMessageSize, onClose);
        a.peer = b;
        b.peer = a;
        return new Pair(a, b);
    }

    boolean involves(MemoryTransport t) {
        return local == t || peer.local == t;
    }

    boolean connects(String x, String y) {
        return (local.deviceId().equals(x) && remoteId.equals(y)) || (local.deviceId().equals(y) && remoteId.equals(x));
    }

    @Override
    public String remotePeerId() {
        return remoteId;
    }

    @Override
    public String transportKind() {
        return MemoryNetwork.KIND;
    }

    @Override
    public int maxMessageSize() {
        return maxMessageSize;
    }

    @Override
    public void receiver(MessageReceiver r) {
        synchronized (this) {
            receiver = r;
        }
        schedule();
    }

    @Override
    public CompletionStage<Void> send(byte[] message) {
        if (!open.get()) {
            return CompletableFuture.failedFuture(new IOException("link to " + remoteId + " is closed"));
        }
        if (message.length > maxMessageSize) {
            return CompletableFuture.failedFuture(new IOException("message of " + message.length + " bytes exceeds the link maximum of "
                    + maxMessageSize));
        }
        peer.enqueue(message.clone());
        return CompletableFuture.completedFuture(null);
    }

    private void enqueue(byte[] message) {
        synchronized (this) {
            if (!open.get()) {
                return;
            }
            inbox.add(message);
        }
        schedule();
    }

    private void schedule() {
        synchronized (this) {
            if (delivering || receiver == null || (inbox.isEmpty() && (open.get() || closedNotified))) {
                return;
            }
            delivering = true;
        }
        Thread t = new Thread(this::deliver, "memory-link-" + local.deviceId() + "<-" + remoteId);
        t.setDaemon(true);
        t.start();
    }

    private void deliver() {
        while (true) {
            byte[] next;
            MessageReceiver r;
            boolean notifyClosed = false;
            synchronized (this) {
                r = receiver;
                next = inbox.poll();
                if (next == null) {
                    if (!open.get() && !closedNotified) {
                        closedNotified = true;
                        notifyClosed = true;
                    } else {
                        delivering = false;
                        return;
                    }
                }
            }
            if (notifyClosed) {
                r.closed(this, Optional.empty());
                synchronized (this) {
                    delivering = false;
                }
                return;
            }
            r.message(this, next);
        }
    }

    @Override
    public boolean isOpen() {
        return open.get();
    }

    @Override
    public void close() {
        closeSide(true);
        peer.closeSide(false);
    }

    /** @param discard whether to drop what this side has not delivered yet (true on the closing side) */
    private void closeSide(boolean discard) {
        boolean wasOpen;
        synchronized (this) {
            // Under the lock, so that enqueue() either lands before the close or is refused.
            wasOpen = open.compareAndSet(true, false);
            if (wasOpen && discard) {
                inbox.clear();
            }
        }
        if (wasOpen) {
            onClose.accept(this);
            schedule();
        }
    }
}

package io.rhizome.transport.wireguard.internal.tunnel;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.transport.MessageReceiver;
import io.rhizome.spi.transport.PeerLink;

/**
 * A {@link PeerLink} on one TCP connection inside the tunnel, framed by {@link Frames}. A reader
 * thread delivers messages (one at a time, in order, and only once a receiver is set: until then
 * it reads nothing, so TCP's window bounds what waits), a writer thread writes queued messages and
 * completes each send once its bytes are in the socket.
 *
 * <p>Why the close is a half-close followed by draining: closing a socket that still has unread
 * input makes Linux answer with a reset, and a reset makes the remote drop what it had received
 * but not yet read, which would lose messages whose send had completed. So {@link #close} flushes,
 * shuts the output down (the remote reads everything, then the end) and keeps reading, discarding,
 * until the remote closes too or a bound passes.
 */
final class TunnelLink implements PeerLink {

    private static final Logger LOG = LoggerFactory.getLogger(TunnelLink.class);
    private static final byte[] STOP = new byte[0];
    private static final long DRAIN_MILLIS = 10_000;

    private record Outgoing(byte[] message, CompletableFuture<Void> done) {
    }

    private final Socket socket;
    private final String remoteDevice;
    private final String kind;
    private final int maxMessage;
    private final Consumer<TunnelLink> onClosed;
    private final LinkedBlockingQueue<Outgoing> queue = new LinkedBlockingQueue<>();
    private final Object delivery = new Object();
    private MessageReceiver receiver; // guarded by delivery
    private boolean closedNotified; // guarded by delivery
    private volatile boolean open = true;

    TunnelLink(Socket socket, String remoteDevice, String kind, int maxMessage, Consumer<TunnelLink> onClosed) {
        this.socket = socket;
        this.remoteDevice = remoteDevice;
        this.kind = kind;
        this.maxMessage = maxMessage;
        this.onClosed = onClosed;
    }

    void start() {
        Thread reader = new Thread(this::readLoop, "wg-link-read-" + shortId());
        Thread writer = new Thread(this::writeLoop, "wg-link-write-" + shortId());
        reader.setDaemon(true);
        writer.setDaemon(true);
        reader.start();
        writer.start();
    }

    private String shortId() {
        return remoteDevice.length() > 8 ? remoteDevice.substring(0, 8) : remoteDevice;
    }

    @Override
    public String remotePeerId() {
        return remoteDevice;
    }

    @Override
    public String transportKind() {
        return kind;
    }

    @Override
    public int maxMessageSize() {
        return maxMessage;
    }

    @Override
    public void receiver(MessageReceiver r) {
        synchronized (delivery) {
            this.receiver = r;
            delivery.notifyAll();
        }
    }

    @Override
    public CompletionStage<Void> send(byte[] message) {
        if (message.length > maxMessage) {
            return CompletableFuture.failedFuture(new IOException("a message of " + message.length + " bytes is larger than the link's maximum of "
                    + maxMessage + " bytes"));
        }
        if (!open) {
            return CompletableFuture.failedFuture(new IOException("the link to " + remoteDevice + " is closed"));
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        queue.add(new Outgoing(message.clone(), done));
        if (!open) {
            // closed while queueing: the writer may have stopped already
            done.completeExceptionally(new IOException("the link to " + remoteDevice + " is closed"));
        }
        return done;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() {
        if (shutDown()) {
            notifyClosed(Optional.empty());
        }
    }

    /** Stops sending: the writer flushes what is queued up to the stop mark and half-closes. */
    private boolean shutDown() {
        synchronized (this) {
            if (!open) {
                return false;
            }
            open = false;
        }
        queue.add(new Outgoing(STOP, null));
        return true;
    }

    private void writeLoop() {
        try {
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
            while (true) {
                Outgoing o = queue.take();
                if (o.message() == STOP) {
                    out.flush();
                    socket.shutdownOutput();
                    break;
                }
                out.write(Frames.header(o.message().length));
                out.write(o.message());
                if (queue.isEmpty()) {
                    out.flush();
                }
                o.done().complete(null);
            }
        } catch (IOException e) {
            LOG.debug("link to {}: write failed: {}", remoteDevice, e.getMessage());
            fail(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            failQueued();
        }
    }

    private void readLoop() {
        Optional<Throwable> cause = Optional.empty();
        try {
            awaitReceiver();
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 64 * 1024));
            while (true) {
                byte[] m = Frames.read(in, maxMessage);
                if (m == null) {
                    break;
                }
                synchronized (delivery) {
                    if (closedNotified) {
                        continue; // this side closed: drain and drop until the remote ends
                    }
                    receiver.message(this, m);
                }
            }
        } catch (IOException e) {
            if (open) {
                LOG.debug("link to {}: read failed: {}", remoteDevice, e.getMessage());
                cause = Optional.of(e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("link to {}: the receiver threw; closing the link", remoteDevice, e);
            cause = Optional.of(e);
        }
        // the remote ended (or the connection failed): nothing more can arrive
        shutDown();
        notifyClosed(cause);
        closeSocketAfterWriter();
    }

    private void awaitReceiver() throws InterruptedException {
        synchronized (delivery) {
            while (receiver == null && !closedNotified) {
                delivery.wait(1000);
            }
        }
    }

    private void notifyClosed(Optional<Throwable> cause) {
        MessageReceiver r;
        synchronized (delivery) {
            if (closedNotified) {
                return;
            }
            closedNotified = true;
            r = receiver;
            delivery.notifyAll();
            if (r != null) {
                try {
                    r.closed(this, cause);
                } catch (RuntimeException e) {
                    LOG.warn("link to {}: the receiver threw from closed()", remoteDevice, e);
                }
            }
        }
        onClosed.accept(this);
        if (r == null) {
            // nobody reads this link: there is no drain to wait for
            closeSocketAfterWriter();
        }
    }

    private void fail(IOException e) {
        shutDown();
        notifyClosed(Optional.of(e));
        closeQuietly();
    }

    /** Gives the writer a bounded moment to flush and half-close, then closes the socket. */
    private void closeSocketAfterWriter() {
        long deadline = System.currentTimeMillis() + DRAIN_MILLIS;
        while (!socket.isOutputShutdown() && !socket.isClosed() && System.currentTimeMillis() < deadline) {
            try {
                TimeUnit.MILLISECONDS.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        closeQuietly();
    }

    /** Closes the socket outright: after the remote ended, or when the transport stops hard. */
    void closeQuietly() {
        try {
            socket.close();
        } catch (IOException e) {
            LOG.debug("link to {}: close: {}", remoteDevice, e.getMessage());
        }
    }

    private void failQueued() {
        Outgoing o;
        while ((o = queue.poll()) != null) {
            if (o.done() != null) {
                o.done().completeExceptionally(new IOException("the link to " + remoteDevice + " closed before the message was sent"));
            }
        }
    }
}

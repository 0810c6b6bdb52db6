package io.rhizome.transport.libp2p.internal;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.rhizome.spi.transport.MessageReceiver;
import io.rhizome.spi.transport.PeerLink;
import io.rhizome.transport.libp2p.internal.multiformats.MultiformatException;
import io.rhizome.transport.libp2p.internal.multiformats.Varint;
import io.rhizome.transport.libp2p.internal.yamux.StreamHandler;
import io.rhizome.transport.libp2p.internal.yamux.YamuxStream;

/**
 * A {@link PeerLink} on one Yamux stream speaking {@value #PROTOCOL} (or another protocol served
 * through {@link io.rhizome.spi.transport.ProtocolChannels}, framed the same way): each message is an
 * unsigned varint length followed by that many bytes. Until a receiver is set, received bytes are not
 * credited back to the sender, so Yamux flow control bounds what is held.
 *
 * <p>Each frame's length is checked when its prefix arrives, before its bytes are credited: a device
 * the host does not {@link PeerTrust trust} may send frames of at most
 * {@link InboundLimits#untrustedMaxMessage()} bytes (a longer one resets the stream), and every frame
 * reserves its length in the host's {@link FrameBudget} first; while it does not fit, no credit is
 * given, so the sender stalls instead of this node buffering.
 */
public final class SyncLink implements PeerLink, StreamHandler {

    public static final String PROTOCOL = "/rhizome/sync/1.0.0";
    public static final int MAX_MESSAGE = 16 * 1024 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(SyncLink.class);

    private final Libp2pConnection connection;
    private final String protocol;
    private final EventLoop loop;
    private final AtomicBoolean closing = new AtomicBoolean();
    private volatile YamuxStream stream;
    // event-loop state
    private final ByteBuf buffer = Unpooled.buffer();
    private final ArrayDeque<byte[]> held = new ArrayDeque<>();
    private final FrameBudget budget;
    private MessageReceiver receiver;
    /** Bytes received and not yet credited back: while no receiver is set or a frame waits for the budget. */
    private int uncredited;
    /** The frame being assembled has its length reserved in the budget. */
    private boolean frameAdmitted;
    private boolean frameTrusted;
    private long frameLength;
    /** A frame's reservation did not fit; the budget calls back once something was released. */
    private boolean awaitingBudget;
    /** Reservations of {@link #held} messages, trusted bytes first, released when delivered or closed. */
    private long heldTrusted;
    private long heldUntrusted;
    private boolean closedNotified;
    private Optional<Throwable> closeCause;
    private volatile boolean open = true;

    SyncLink(Libp2pConnection connection) {
        this(connection, PROTOCOL);
    }

    SyncLink(Libp2pConnection connection, String protocol) {
        this.connection = connection;
        this.protocol = protocol;
        this.loop = connection.channel().eventLoop();
        this.budget = connection.host().frameBudget();
    }

    /** Binds the link to its stream; called on the event loop before any data is delivered. */
    void attach(YamuxStream s) {
        if (stream == null) {
            this.stream = s;
            s.manualCredit(true);
        }
    }

    /** The stream protocol id this link speaks. */
    public String protocol() {
        return protocol;
    }

    public Libp2pConnection connection() {
        return connection;
    }

    /**
     * The remote's device id in the form every Rhizome SPI uses ({@code KeyService.deviceId()}: its
     * Ed25519 public key, base64url without padding), derived from the key Noise authenticated.
     * The libp2p PeerId of the same key is {@code connection().remotePeer()}.
     */
    @Override
    public String remotePeerId() {
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(connection.remotePeer().ed25519PublicKey()
                .orElseThrow(() -> new IllegalStateException("Noise accepted only an Ed25519 identity")));
    }

    @Override
    public String transportKind() {
        return Libp2pTransport.KIND;
    }

    @Override
    public int maxMessageSize() {
        return MAX_MESSAGE;
    }

    @Override
    public void receiver(MessageReceiver r) {
        loop.execute(() -> {
            receiver = r;
            byte[] m;
            while ((m = held.poll()) != null) {
                deliver(m);
            }
            releaseHeld();
            creditIfFlowing();
            if (closeCause != null) {
                notifyClosed(closeCause);
            }
        });
    }

    @Override
    public CompletionStage<Void> send(byte[] message) {
        if (message.length > MAX_MESSAGE) {
            return CompletableFuture.failedFuture(new IOException("message of " + message.length
                    + " bytes exceeds the libp2p link maximum of " + MAX_MESSAGE));
        }
        if (!open || closing.get()) {
            return CompletableFuture.failedFuture(new IOException("link to " + remotePeerId() + " is closed"));
        }
        ByteBuf frame = Unpooled.buffer(Varint.MAX_BYTES + message.length);
        Varint.write(frame, message.length);
        frame.writeBytes(message);
        return stream.write(frame);
    }

    @Override
    public boolean isOpen() {
        return open && !closing.get();
    }

    @Override
    public void close() {
        if (closing.compareAndSet(false, true)) {
            stream.closeWrite();
            loop.execute(() -> finish(Optional.empty()));
        }
    }

    @Override
    public void onData(YamuxStream s, ByteBuf data) {
        attach(s);
        int n = data.readableBytes();
        if (closeCause != null || closing.get()) {
            // closed links deliver nothing more; keep the remote's window open so it can finish
            s.credit(n);
            return;
        }
        buffer.writeBytes(data);
        uncredited += n;
        if (!awaitingBudget) {
            assemble();
        }
    }

    /** Cuts whole frames out of the buffer, reserving each one's length before crediting its bytes. Event loop. */
    private void assemble() {
        try {
            while (true) {
                long len = Varint.peek(buffer);
                if (len == Varint.INCOMPLETE) {
                    break;
                }
                if (len > MAX_MESSAGE) {
                    throw new MultiformatException("message of " + len + " bytes exceeds " + MAX_MESSAGE);
                }
                if (!frameAdmitted && !admit(len)) {
                    break;
                }
                int header = Varint.size(len);
                if (buffer.readableBytes() < header + len) {
                    break;
                }
                buffer.skipBytes(header);
                byte[] m = new byte[(int) len];
                buffer.readBytes(m);
                frameAdmitted = false;
                if (receiver != null) {
                    deliver(m);
                    budget.release(len, frameTrusted);
                } else {
                    held.add(m);
                    if (frameTrusted) {
                        heldTrusted += len;
                    } else {
                        heldUntrusted += len;
                    }
                }
            }
            buffer.discardSomeReadBytes();
            creditIfFlowing();
        } catch (MultiformatException e) {
            LOG.warn("resetting {} link from {}: {}", protocol, connection, e.getMessage());
            finish(Optional.of(new IOException("peer " + remotePeerId() + " broke " + protocol + ": " + e.getMessage())));
            stream.reset();
        }
    }

    /** Checks a frame's length against what its sender may send, and reserves it; false while it must wait. */
    private boolean admit(long len) throws MultiformatException {
        Libp2pHost host = connection.host();
        boolean trusted = host.trusts(connection.remotePeer());
        int limit = host.limits().untrustedMaxMessage();
        if (!trusted && len > limit) {
            budget.refusedUntrusted();
            throw new MultiformatException("message of " + len + " bytes from a device that is not trusted exceeds "
                    + limit + " (pair the devices first)");
        }
        if (!budget.reserveOrWait(len, trusted, this::budgetFreed)) {
            awaitingBudget = true;
            return false;
        }
        frameAdmitted = true;
        frameTrusted = trusted;
        frameLength = len;
        return true;
    }

    private void budgetFreed() {
        loop.execute(() -> {
            if (awaitingBudget) {
                awaitingBudget = false;
                if (closeCause == null && !closing.get()) {
                    assemble();
                }
            }
        });
    }

    /** Credits what arrived once a receiver takes messages and no frame waits for the budget. Event loop. */
    private void creditIfFlowing() {
        if (receiver != null && !awaitingBudget && uncredited > 0 && stream != null) {
            stream.credit(uncredited);
            uncredited = 0;
        }
    }

    private void releaseHeld() {
        if (heldTrusted > 0) {
            budget.release(heldTrusted, true);
            heldTrusted = 0;
        }
        if (heldUntrusted > 0) {
            budget.release(heldUntrusted, false);
            heldUntrusted = 0;
        }
    }

    /** Gives back the reservation of the frame being assembled; a closed link assembles nothing more. */
    private void releaseFrame() {
        if (frameAdmitted) {
            frameAdmitted = false;
            budget.release(frameLength, frameTrusted);
        }
    }

    @Override
    public void onRemoteClose(YamuxStream s) {
        s.closeWrite();
        finish(Optional.empty());
    }

    @Override
    public void onClose(YamuxStream s, Throwable cause) {
        finish(Optional.ofNullable(cause));
    }

    private void finish(Optional<Throwable> cause) {
        open = false;
        releaseFrame();
        if (receiver == null) {
            // a link nobody took: what it holds leaves the budget now (it is still handed over if a receiver comes)
            releaseHeld();
        }
        if (closeCause == null) {
            closeCause = cause;
        }
        if (receiver != null && held.isEmpty()) {
            notifyClosed(closeCause);
        }
    }

    private void notifyClosed(Optional<Throwable> cause) {
        if (closedNotified) {
            return;
        }
        closedNotified = true;
        buffer.clear();
        try {
            receiver.closed(this, cause);
        } catch (RuntimeException e) {
            LOG.warn("message receiver failed on close of link to {}", remotePeerId(), e);
        }
    }

    private void deliver(byte[] m) {
        try {
            receiver.message(this, m);
        } catch (RuntimeException e) {
            LOG.warn("message receiver failed on a message from {}", remotePeerId(), e);
        }
    }

    @Override
    public String toString() {
        return "libp2p " + protocol + " link to " + remotePeerId();
    }
}

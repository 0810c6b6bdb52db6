package io.rhizome.transport.libp2p.internal.yamux;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;

/**
 * One Yamux stream. State lives on the session's event loop; the public methods may be called from
 * any thread and hop onto it.
 */
public final class YamuxStream {

    private record PendingWrite(ByteBuf data, CompletableFuture<Void> done) {
    }

    private final YamuxSession session;
    private final int id;
    private final boolean inbound;
    private StreamHandler handler;
    private final ArrayDeque<PendingWrite> pending = new ArrayDeque<>();
    long sendWindow = YamuxFrame.INITIAL_WINDOW;
    long recvWindow;
    private int uncredited;
    private boolean manualCredit;
    private boolean finRequested;
    boolean finSent;
    boolean finReceived;
    boolean closed;
    private volatile String protocol = "";

    YamuxStream(YamuxSession session, int id, boolean inbound, StreamHandler handler, int recvWindow) {
        this.session = session;
        this.id = id;
        this.inbound = inbound;
        this.handler = handler;
        this.recvWindow = recvWindow;
    }

    public int id() {
        return id;
    }

    public boolean isInbound() {
        return inbound;
    }

    public YamuxSession session() {
        return session;
    }

    /** The protocol negotiated on this stream, empty before negotiation. */
    public String protocol() {
        return protocol;
    }

    public void protocol(String p) {
        protocol = p;
    }

    /** Replaces the handler (after protocol negotiation). Event loop only. */
    public void handler(StreamHandler h) {
        this.handler = h;
    }

    /**
     * In manual credit mode received bytes are only granted back to the sender when
     * {@link #credit(int)} is called, so a slow consumer stalls the sender instead of buffering.
     */
    public void manualCredit(boolean manual) {
        this.manualCredit = manual;
    }

    /** Grants {@code n} consumed bytes back to the sender. Any thread. */
    public void credit(int n) {
        session.execute(() -> addCredit(n));
    }

    /** Queues data; the future completes once it was written to the connection. Takes ownership of {@code data}. */
    public CompletableFuture<Void> write(ByteBuf data) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        session.execute(() -> {
            if (closed || finRequested) {
                ReferenceCountUtil.release(data);
                done.completeExceptionally(new YamuxException("stream " + id + " is closed for writing"));
                return;
            }
            pending.add(new PendingWrite(data, done));
            session.flushStream(this);
        });
        return done;
    }

    /** Half-closes: sends FIN after the queued data. Any thread; idempotent. */
    public void closeWrite() {
        session.execute(() -> {
            if (closed || finRequested) {
                return;
            }
            finRequested = true;
            session.flushStream(this);
        });
    }

    /** Resets the stream (RST) and drops queued data. Any thread; idempotent. */
    public void reset() {
        session.execute(() -> session.resetStream(this, true, new YamuxException("stream " + id + " reset locally")));
    }

    public boolean isClosed() {
        return closed;
    }

    // --- event loop internals, driven by the session ---

    StreamHandler handler() {
        return handler;
    }

    void deliver(ByteBuf data) {
        int n = data.readableBytes();
        recvWindow -= n;
        try {
            handler.onData(this, data);
        } finally {
            data.release();
        }
        if (!manualCredit) {
            addCredit(n);
        }
    }

    private void addCredit(int n) {
        if (closed || n <= 0) {
            return;
        }
        uncredited += n;
        // batch updates: one per half window keeps the sender busy without a frame per read
        if (uncredited >= session.config().streamWindow() / 2 && !finReceived) {
            session.sendWindowUpdate(this, uncredited, 0);
            recvWindow += uncredited;
            uncredited = 0;
        }
    }

    /** Writes as much queued data as the send window allows; returns true if a FIN should follow. */
    boolean drain(int maxFrame) {
        while (!pending.isEmpty() && sendWindow > 0) {
            PendingWrite w = pending.peek();
            int n = (int) Math.min(Math.min(sendWindow, w.data.readableBytes()), maxFrame);
            boolean last = n == w.data.readableBytes();
            ByteBuf chunk = last ? w.data : w.data.readRetainedSlice(n);
            if (last) {
                pending.poll();
            }
            sendWindow -= n;
            session.writer().data(id, chunk, last ? w.done : null);
        }
        return finRequested && !finSent && pending.isEmpty();
    }

    void failPending(Throwable cause) {
        PendingWrite w;
        while ((w = pending.poll()) != null) {
            ReferenceCountUtil.release(w.data);
            w.done.completeExceptionally(cause);
        }
    }

    @Override
    public String toString() {
        return "stream " + id + (protocol.isEmpty() ? "" : " (" + protocol + ")");
    }
}

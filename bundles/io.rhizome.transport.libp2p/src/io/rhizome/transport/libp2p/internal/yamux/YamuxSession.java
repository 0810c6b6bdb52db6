package io.rhizome.transport.libp2p.internal.yamux;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.EventExecutor;

/**
 * A Yamux session over an already secured byte stream (the Netty pipeline below it). Implements the
 * hashicorp Yamux spec as libp2p uses it (/yamux/1.0.0): per-stream flow control windows, SYN/ACK
 * stream opening, FIN half-close, RST, ping and go-away.
 *
 * <p>All state is confined to the channel's event loop. A protocol violation by the remote (bad
 * version or type, oversized frame, window overrun, stream flood, duplicate stream id) ends the whole
 * session: go-away with a protocol error, a warning in the log, the channel closed.
 */
public final class YamuxSession extends ByteToMessageDecoder {

    private static final Logger LOG = LoggerFactory.getLogger(YamuxSession.class);

    private final boolean client;
    private final YamuxConfig config;
    private final Consumer<YamuxStream> acceptor;
    private final String peerLabel;
    private final Map<Integer, YamuxStream> streams = new HashMap<>();
    private final YamuxPings pings = new YamuxPings();
    private ChannelHandlerContext ctx;
    private EventExecutor executor;
    private YamuxFrameWriter writer;
    private int nextStreamId;
    private int inboundStreams;
    private boolean goAwaySent;
    private boolean goAwayReceived;
    private boolean terminated;

    /**
     * @param client whether we dialed the connection (the client uses odd stream ids)
     * @param acceptor called on the event loop for each stream the remote opens
     * @param peerLabel names the remote in log lines
     */
    public YamuxSession(boolean client, YamuxConfig config, Consumer<YamuxStream> acceptor, String peerLabel) {
        this.client = client;
        this.config = config;
        this.acceptor = acceptor;
        this.peerLabel = peerLabel;
        this.nextStreamId = client ? 1 : 2;
    }

    public YamuxConfig config() {
        return config;
    }

    public String peerLabel() {
        return peerLabel;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
        this.executor = ctx.executor();
        this.writer = new YamuxFrameWriter(ctx);
        super.handlerAdded(ctx);
    }

    void execute(Runnable r) {
        if (executor.inEventLoop()) {
            r.run();
        } else {
            executor.execute(r);
        }
    }

    /** Opens a stream. Any thread; fails if the session is closing. */
    public CompletableFuture<YamuxStream> openStream(StreamHandler handler) {
        CompletableFuture<YamuxStream> f = new CompletableFuture<>();
        execute(() -> {
            if (terminated || goAwayReceived || goAwaySent) {
                f.completeExceptionally(new YamuxException("session with " + peerLabel + " is closing, no new streams"));
                return;
            }
            int id = nextStreamId;
            nextStreamId += 2;
            YamuxStream s = new YamuxStream(this, id, false, handler, config.streamWindow());
            streams.put(id, s);
            sendWindowUpdate(s, config.streamWindow() - YamuxFrame.INITIAL_WINDOW, YamuxFrame.FLAG_SYN);
            f.complete(s);
        });
        return f;
    }

    /** Sends a ping; the future completes with the round trip in nanoseconds. */
    public CompletableFuture<Long> ping() {
        CompletableFuture<Long> f = new CompletableFuture<>();
        execute(() -> {
            if (terminated) {
                f.completeExceptionally(new YamuxException("session with " + peerLabel + " closed"));
                return;
            }
            writer.frame(YamuxFrame.TYPE_PING, YamuxFrame.FLAG_SYN, 0, pings.start(f));
            writer.flushNow();
        });
        return f;
    }

    /** Sends go-away (normal termination) and closes the connection once written. */
    public void goAway() {
        execute(() -> {
            if (terminated) {
                return;
            }
            sendGoAway(YamuxFrame.GO_AWAY_NORMAL);
            ctx.flush();
            ctx.channel().close();
        });
    }

    public int streamCount() {
        return streams.size();
    }

    public boolean isRemoteGoingAway() {
        return goAwayReceived;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        try {
            while (!terminated && in.readableBytes() >= YamuxFrame.HEADER_LENGTH) {
                int base = in.readerIndex();
                int version = in.getUnsignedByte(base);
                int type = in.getUnsignedByte(base + 1);
                int flags = in.getUnsignedShort(base + 2);
                int streamId = in.getInt(base + 4);
                long length = in.getUnsignedInt(base + 8);
                if (version != YamuxFrame.VERSION) {
                    throw new YamuxException("unsupported Yamux version " + version);
                }
                if (type > YamuxFrame.TYPE_GO_AWAY) {
                    throw new YamuxException("unknown Yamux frame type " + type);
                }
                if (type == YamuxFrame.TYPE_DATA) {
                    if (length > config.streamWindow()) {
                        throw new YamuxException("oversized data frame: " + length + " bytes exceeds the largest window "
                                + config.streamWindow());
                    }
                    if (in.readableBytes() < YamuxFrame.HEADER_LENGTH + length) {
                        return;
                    }
                }
                in.skipBytes(YamuxFrame.HEADER_LENGTH);
                switch (type) {
                    case YamuxFrame.TYPE_DATA -> onData(streamId, flags, in.readRetainedSlice((int) length));
                    case YamuxFrame.TYPE_WINDOW_UPDATE -> onWindowUpdate(streamId, flags, length);
                    case YamuxFrame.TYPE_PING -> onPing(streamId, flags, length);
                    default -> onGoAway(streamId, length);
                }
            }
        } catch (YamuxException e) {
            protocolError(e.getMessage());
        } finally {
            writer.flushNow();
        }
        if (terminated && in.isReadable()) {
            in.skipBytes(in.readableBytes());
        }
    }

    private void onData(int streamId, int flags, ByteBuf data) throws YamuxException {
        YamuxStream s;
        try {
            s = streamFor(streamId, flags);
            if (s != null && data.isReadable()) {
                if (s.finReceived) {
                    throw new YamuxException("data on stream " + streamId + " after FIN");
                }
                if (data.readableBytes() > s.recvWindow) {
                    throw new YamuxException("window violation on stream " + streamId + ": " + data.readableBytes()
                            + " bytes sent into a window of " + s.recvWindow);
                }
                s.deliver(data.retain());
            }
        } finally {
            data.release();
        }
        if (s != null) {
            afterFlags(s, flags);
        }
    }

    private void onWindowUpdate(int streamId, int flags, long delta) throws YamuxException {
        YamuxStream s = streamFor(streamId, flags);
        if (s == null) {
            return;
        }
        s.sendWindow += delta;
        if (s.sendWindow > Integer.MAX_VALUE) {
            throw new YamuxException("send window overflow on stream " + streamId);
        }
        flushStream(s);
        afterFlags(s, flags);
    }

    private void onPing(int streamId, int flags, long opaque) throws YamuxException {
        if (streamId != 0) {
            throw new YamuxException("ping on stream " + streamId + " (must be 0)");
        }
        if ((flags & YamuxFrame.FLAG_SYN) != 0) {
            writer.frame(YamuxFrame.TYPE_PING, YamuxFrame.FLAG_ACK, 0, opaque);
        } else if ((flags & YamuxFrame.FLAG_ACK) != 0) {
            pings.answered((int) opaque);
        }
    }

    private void onGoAway(int streamId, long code) throws YamuxException {
        if (streamId != 0) {
            throw new YamuxException("go-away on stream " + streamId + " (must be 0)");
        }
        goAwayReceived = true;
        if (code != YamuxFrame.GO_AWAY_NORMAL) {
            LOG.warn("libp2p peer {} sent Yamux go-away with error code {}", peerLabel, code);
        } else {
            LOG.debug("libp2p peer {} sent Yamux go-away", peerLabel);
        }
    }

    /** Handles SYN/ACK and finds the stream; null for frames of streams already gone. */
    private YamuxStream streamFor(int streamId, int flags) throws YamuxException {
        if (streamId == 0) {
            throw new YamuxException("stream frame on the session id 0");
        }
        if ((flags & YamuxFrame.FLAG_SYN) != 0) {
            boolean remoteParity = client ? streamId % 2 == 0 : streamId % 2 == 1;
            if (!remoteParity) {
                throw new YamuxException("remote opened stream " + streamId + " with our parity");
            }
            if (streams.containsKey(streamId)) {
                throw new YamuxException("remote reopened existing stream " + streamId);
            }
            if (goAwaySent) {
                writer.frame(YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_RST, streamId, 0);
                return null;
            }
            if (inboundStreams >= config.maxInboundStreams()) {
                throw new YamuxException("stream flood: more than " + config.maxInboundStreams()
                        + " concurrent inbound streams");
            }
            YamuxStream s = new YamuxStream(this, streamId, true, null, config.streamWindow());
            streams.put(streamId, s);
            inboundStreams++;
            sendWindowUpdate(s, config.streamWindow() - YamuxFrame.INITIAL_WINDOW, YamuxFrame.FLAG_ACK);
            acceptor.accept(s);
            if (s.handler() == null) {
                resetStream(s, true, new YamuxException("stream " + streamId + " not accepted"));
                return null;
            }
            return s;
        }
        return streams.get(streamId);
    }

    private void afterFlags(YamuxStream s, int flags) {
        if ((flags & YamuxFrame.FLAG_RST) != 0) {
            resetStream(s, false, new YamuxException("stream " + s.id() + " reset by " + peerLabel));
            return;
        }
        if ((flags & YamuxFrame.FLAG_FIN) != 0 && !s.finReceived) {
            s.finReceived = true;
            safely(() -> s.handler().onRemoteClose(s));
            maybeRemove(s);
        }
    }

    void flushStream(YamuxStream s) {
        if (s.closed) {
            s.failPending(new YamuxException(s + " closed"));
            return;
        }
        if (s.drain(config.maxDataFrame())) {
            s.finSent = true;
            writer.frame(YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_FIN, s.id(), 0);
            maybeRemove(s);
        }
        writer.requestFlush();
    }

    /** Where this session's streams write their data frames. */
    YamuxFrameWriter writer() {
        return writer;
    }

    void sendWindowUpdate(YamuxStream s, long delta, int flags) {
        writer.frame(YamuxFrame.TYPE_WINDOW_UPDATE, flags, s.id(), delta);
        writer.requestFlush();
    }

    void resetStream(YamuxStream s, boolean sendRst, Throwable cause) {
        if (s.closed) {
            return;
        }
        if (sendRst && !terminated) {
            writer.frame(YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_RST, s.id(), 0);
            writer.requestFlush();
        }
        finish(s, cause);
    }

    private void maybeRemove(YamuxStream s) {
        if (s.finSent && s.finReceived) {
            finish(s, null);
        }
    }

    private void finish(YamuxStream s, Throwable cause) {
        if (s.closed) {
            return;
        }
        s.closed = true;
        streams.remove(s.id());
        if (s.isInbound()) {
            inboundStreams--;
        }
        s.failPending(cause != null ? cause : new YamuxException(s + " closed"));
        StreamHandler h = s.handler();
        if (h != null) {
            safely(() -> h.onClose(s, cause));
        }
    }

    private void sendGoAway(int code) {
        if (!goAwaySent) {
            goAwaySent = true;
            writer.frame(YamuxFrame.TYPE_GO_AWAY, 0, 0, code);
        }
    }

    private void protocolError(String reason) {
        LOG.warn("closing libp2p connection to {}: Yamux protocol error: {}", peerLabel, reason);
        sendGoAway(YamuxFrame.GO_AWAY_PROTOCOL_ERROR);
        ctx.flush();
        terminate(new YamuxException("Yamux protocol error from " + peerLabel + ": " + reason));
        ctx.channel().close();
    }

    private void terminate(Throwable cause) {
        if (terminated) {
            return;
        }
        terminated = true;
        writer.close();
        for (YamuxStream s : new ArrayList<>(streams.values())) {
            finish(s, cause);
        }
        pings.failAll(cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        terminate(new YamuxException("connection to " + peerLabel + " closed"));
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.warn("closing libp2p connection to {}: {}", peerLabel, cause.toString());
        terminate(cause);
        ctx.close();
    }

    private void safely(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.warn("stream handler failed on connection to {}", peerLabel, e);
        }
    }
}

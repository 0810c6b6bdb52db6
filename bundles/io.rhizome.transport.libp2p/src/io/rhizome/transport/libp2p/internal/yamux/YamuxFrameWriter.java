package io.rhizome.transport.libp2p.internal.yamux;

import java.util.concurrent.CompletableFuture;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * Writes a session's Yamux frames into the channel below it and coalesces flushes: every frame
 * written during one event-loop task leaves in one flush, so a burst of small frames costs one
 * write to the socket. Event loop only. Once closed (the session ended) frames and flushes are
 * dropped.
 */
final class YamuxFrameWriter {

    private final ChannelHandlerContext ctx;
    private boolean flushPending;
    private boolean closed;

    YamuxFrameWriter(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** A header-only frame (window update, ping, go-away, or a flag on a stream). */
    void frame(int type, int flags, int streamId, long length) {
        if (closed) {
            return;
        }
        ByteBuf b = ctx.alloc().buffer(YamuxFrame.HEADER_LENGTH);
        YamuxFrame.writeHeader(b, type, flags, streamId, length);
        ctx.write(b, ctx.voidPromise());
    }

    /** A data frame carrying {@code chunk}; {@code done}, if given, completes once it is written. */
    void data(int streamId, ByteBuf chunk, CompletableFuture<Void> done) {
        ByteBuf header = ctx.alloc().buffer(YamuxFrame.HEADER_LENGTH);
        YamuxFrame.writeHeader(header, YamuxFrame.TYPE_DATA, 0, streamId, chunk.readableBytes());
        ctx.write(header, ctx.voidPromise());
        if (done == null) {
            ctx.write(chunk, ctx.voidPromise());
        } else {
            ChannelPromise p = ctx.newPromise();
            p.addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    done.complete(null);
                } else {
                    done.completeExceptionally(f.cause());
                }
            });
            ctx.write(chunk, p);
        }
    }

    /** Flushes at the end of the current event-loop task. */
    void requestFlush() {
        if (!flushPending) {
            flushPending = true;
            ctx.executor().execute(this::flushNow);
        }
    }

    void flushNow() {
        flushPending = false;
        if (!closed) {
            ctx.flush();
        }
    }

    void close() {
        closed = true;
    }
}

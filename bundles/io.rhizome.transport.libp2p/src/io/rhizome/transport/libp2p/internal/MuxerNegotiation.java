package io.rhizome.transport.libp2p.internal;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import io.rhizome.transport.libp2p.internal.multistream.MultistreamException;
import io.rhizome.transport.libp2p.internal.multistream.MultistreamSelect;

/**
 * multistream-select for the stream muxer over the secured channel; on agreement replaces itself
 * with the muxer, which receives any bytes that followed.
 */
final class MuxerNegotiation extends ByteToMessageDecoder {

    static final String YAMUX = "/yamux/1.0.0";
    private static final Logger LOG = LoggerFactory.getLogger(MuxerNegotiation.class);

    private final MultistreamSelect select;
    private final long timeoutMillis;
    private final Consumer<ChannelHandlerContext> onSelected;
    private ScheduledFuture<?> timeout;
    private boolean done;

    MuxerNegotiation(boolean initiator, long timeoutMillis, Consumer<ChannelHandlerContext> onSelected) {
        this.select = initiator ? MultistreamSelect.dialer(List.of(YAMUX)) : MultistreamSelect.listener(Set.of(YAMUX));
        this.timeoutMillis = timeoutMillis;
        this.onSelected = onSelected;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        super.handlerAdded(ctx);
        ByteBuf out = ctx.alloc().buffer();
        select.start(out);
        ctx.writeAndFlush(out);
        timeout = ctx.executor().schedule(() -> {
            LOG.warn("closing libp2p connection with {}: muxer negotiation timed out", ctx.channel().remoteAddress());
            ctx.close();
        }, timeoutMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (done) {
            return;
        }
        ByteBuf reply = ctx.alloc().buffer();
        Optional<String> selected;
        try {
            selected = select.receive(in, reply);
        } catch (MultistreamException e) {
            reply.release();
            done = true;
            timeout.cancel(false);
            LOG.warn("closing libp2p connection with {}: muxer negotiation failed: {}", ctx.channel().remoteAddress(),
                    e.getMessage());
            in.skipBytes(in.readableBytes());
            ctx.close();
            return;
        }
        if (reply.isReadable()) {
            ctx.writeAndFlush(reply);
        } else {
            reply.release();
        }
        if (selected.isPresent()) {
            done = true;
            timeout.cancel(false);
            onSelected.accept(ctx);
            // the bytes after the negotiation are handed to the muxer installed by onSelected
            ctx.pipeline().remove(this);
        }
    }

    @Override
    public void handlerRemoved0(ChannelHandlerContext ctx) {
        if (timeout != null) {
            timeout.cancel(false);
        }
    }
}

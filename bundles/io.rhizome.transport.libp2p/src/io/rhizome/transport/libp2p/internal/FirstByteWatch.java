package io.rhizome.transport.libp2p.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Tells {@link ConnectionSlots} when an inbound connection sends its first byte, then leaves the
 * pipeline: a connection that has spoken is no longer half-open and is not dropped for a newcomer.
 */
final class FirstByteWatch extends ChannelInboundHandlerAdapter {

    private final ConnectionSlots slots;

    FirstByteWatch(ConnectionSlots slots) {
        this.slots = slots;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        slots.spoke(ctx.channel());
        ctx.pipeline().remove(this);
        ctx.fireChannelRead(msg);
    }
}

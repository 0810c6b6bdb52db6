package io.rhizome.transport.libp2p.internal.yamux;

import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import io.rhizome.fuzz.Contract;
import io.rhizome.fuzz.Target;

/**
 * Yamux frames as the remote sends them, into a real {@link YamuxSession} on an embedded Netty
 * channel, with the limits of an untrusted peer. The session answers a protocol violation by
 * closing the connection (its {@link YamuxException}, handled inside {@code decode}); what this
 * target catches is anything else escaping {@code decode} (which Netty would report as a decoder
 * failure). The first input byte picks the side (even: server) and the chunk size (bits 1 to 5,
 * times 4 bytes) in which the rest arrives. Accepted streams keep their data (up to the window), so
 * what a peer can make the session hold is counted by the allocation bound.
 */
public final class YamuxFuzz implements Target {

    private static final Contract CONTRACT = new Contract(8L << 20, 512, YamuxException.class);

    public static void fuzzerTestOneInput(byte[] input) {
        if (input.length == 0) {
            return;
        }
        boolean client = (input[0] & 1) != 0;
        int chunk = 4 * (1 + ((input[0] >> 1) & 0x1F));
        List<ByteBuf> held = new ArrayList<>();
        YamuxSession session = new YamuxSession(client, YamuxConfig.defaults().forUntrusted(8), s -> s.handler(new StreamHandler() {
            @Override
            public void onData(YamuxStream stream, ByteBuf data) {
                held.add(data.copy());
            }
        }), "fuzz-peer");
        EmbeddedChannel channel = new EmbeddedChannel(session);
        try {
            ChannelHandlerContext ctx = channel.pipeline().context(session);
            ByteBuf in = Unpooled.buffer();
            List<Object> out = new ArrayList<>();
            CONTRACT.check(input, () -> {
                for (int pos = 1; pos < input.length && channel.isOpen(); pos += chunk) {
                    in.writeBytes(input, pos, Math.min(chunk, input.length - pos));
                    session.decode(ctx, in, out);
                    in.discardReadBytes();
                }
            });
            in.release();
        } finally {
            channel.finishAndReleaseAll();
            held.forEach(ByteBuf::release);
        }
    }

    /** Opening a stream, data, a window update, a ping and a go-away, as a client and as a server would send them. */
    @Override
    public List<byte[]> seeds() {
        List<byte[]> out = new ArrayList<>();
        for (int side = 0; side < 2; side++) {
            int id = side == 0 ? 1 : 2; // the remote's parity
            ByteBuf b = Unpooled.buffer();
            b.writeByte(side | (3 << 1));
            YamuxFrame.writeHeader(b, YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_SYN, id, 0);
            YamuxFrame.writeHeader(b, YamuxFrame.TYPE_DATA, 0, id, 5);
            b.writeBytes("hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            YamuxFrame.writeHeader(b, YamuxFrame.TYPE_WINDOW_UPDATE, 0, id, 4096);
            YamuxFrame.writeHeader(b, YamuxFrame.TYPE_PING, YamuxFrame.FLAG_SYN, 0, 42);
            YamuxFrame.writeHeader(b, YamuxFrame.TYPE_DATA, YamuxFrame.FLAG_FIN, id, 0);
            YamuxFrame.writeHeader(b, YamuxFrame.TYPE_GO_AWAY, 0, 0, YamuxFrame.GO_AWAY_NORMAL);
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            out.add(bytes);
        }
        return out;
    }
}

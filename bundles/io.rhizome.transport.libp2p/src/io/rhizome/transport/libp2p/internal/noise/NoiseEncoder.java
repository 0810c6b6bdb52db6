package io.rhizome.transport.libp2p.internal.noise;

import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;

/**
 * Encrypts everything written above it into Noise transport messages (2-byte big-endian length,
 * ciphertext of at most 65535 bytes). Writes are gathered until flush, so many small Yamux frames
 * share one Noise message instead of paying a tag and a length each.
 */
public final class NoiseEncoder extends ChannelOutboundHandlerAdapter {

    /** Largest plaintext per Noise message: 65535 minus the tag. */
    public static final int MAX_PLAINTEXT = 65535 - CipherState.TAG_LENGTH;
    private static final byte[] EMPTY = new byte[0];

    private final CipherState cipher;
    private final List<ByteBuf> queued = new ArrayList<>();
    private final List<ChannelPromise> promises = new ArrayList<>();
    private final byte[] plain = new byte[MAX_PLAINTEXT];
    private int queuedBytes;

    public NoiseEncoder(CipherState sendCipher) {
        this.cipher = sendCipher;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf buf)) {
            ReferenceCountUtil.release(msg);
            promise.setFailure(new IllegalArgumentException("only bytes can be sent over Noise"));
            return;
        }
        queued.add(buf);
        queuedBytes += buf.readableBytes();
        if (!promise.isVoid()) {
            promises.add(promise);
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (queued.isEmpty()) {
            ctx.flush();
            return;
        }
        int frames = (queuedBytes + MAX_PLAINTEXT - 1) / MAX_PLAINTEXT;
        ByteBuf out = ctx.alloc().heapBuffer(queuedBytes + frames * (2 + CipherState.TAG_LENGTH));
        List<ChannelPromise> done = new ArrayList<>(promises);
        promises.clear();
        try {
            int idx = 0;
            while (idx < queued.size()) {
                int filled = 0;
                while (filled < MAX_PLAINTEXT && idx < queued.size()) {
                    ByteBuf b = queued.get(idx);
                    int n = Math.min(MAX_PLAINTEXT - filled, b.readableBytes());
                    b.readBytes(plain, filled, n);
                    filled += n;
                    if (!b.isReadable()) {
                        b.release();
                        idx++;
                    }
                }
                if (filled == 0) {
                    continue;
                }
                int lenIndex = out.writerIndex();
                out.writeShort(0);
                out.ensureWritable(filled + CipherState.TAG_LENGTH);
                int n = cipher.encrypt(EMPTY, plain, 0, filled, out.array(), out.arrayOffset() + out.writerIndex());
                out.writerIndex(out.writerIndex() + n);
                out.setShort(lenIndex, n);
            }
        } catch (NoiseException e) {
            out.release();
            queued.forEach(ReferenceCountUtil::safeRelease);
            queued.clear();
            queuedBytes = 0;
            done.forEach(p -> p.tryFailure(e));
            ctx.close();
            return;
        }
        queued.clear();
        queuedBytes = 0;
        if (done.isEmpty()) {
            ctx.write(out, ctx.voidPromise());
        } else {
            ChannelPromise p = ctx.newPromise();
            p.addListener((ChannelFutureListener) f -> {
                for (ChannelPromise each : done) {
                    if (f.isSuccess()) {
                        each.trySuccess();
                    } else {
                        each.tryFailure(f.cause());
                    }
                }
            });
            ctx.write(out, p);
        }
        ctx.flush();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        queued.forEach(ReferenceCountUtil::safeRelease);
        queued.clear();
        promises.forEach(p -> p.tryFailure(new IllegalStateException("connection closed")));
        promises.clear();
    }
}

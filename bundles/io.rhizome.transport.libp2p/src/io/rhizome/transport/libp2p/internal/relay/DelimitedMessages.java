package io.rhizome.transport.libp2p.internal.relay;

import java.util.Optional;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.rhizome.transport.libp2p.internal.multiformats.MultiformatException;
import io.rhizome.transport.libp2p.internal.multiformats.Varint;

/**
 * Unsigned-varint length-prefixed messages read off a stream, as the relay protocols frame them; the
 * bytes after the last message read (the start of the relayed connection) stay available.
 * Event-loop confined, like the stream it reads.
 */
public final class DelimitedMessages {

    private final ByteBuf buffer = Unpooled.buffer();
    private final int max;

    public DelimitedMessages(int max) {
        this.max = max;
    }

    public void add(ByteBuf data) {
        if (buffer.readableBytes() + data.readableBytes() > 2L * max + 16 * 1024 * 1024) {
            throw new MultiformatException("too much data buffered on a relay stream");
        }
        buffer.writeBytes(data);
    }

    /** The next whole message, empty if more bytes are needed; a message over the maximum throws. */
    public Optional<byte[]> next() {
        long len = Varint.peek(buffer);
        if (len == Varint.INCOMPLETE) {
            return Optional.empty();
        }
        if (len > max) {
            throw new MultiformatException("relay message of " + len + " bytes exceeds " + max);
        }
        int header = Varint.size(len);
        if (buffer.readableBytes() < header + len) {
            return Optional.empty();
        }
        buffer.skipBytes(header);
        byte[] msg = new byte[(int) len];
        buffer.readBytes(msg);
        return Optional.of(msg);
    }

    /** What followed the messages; the caller owns the returned buffer. */
    public ByteBuf rest() {
        return buffer.readRetainedSlice(buffer.readableBytes());
    }

    public void release() {
        if (buffer.refCnt() > 0) {
            buffer.release();
        }
    }

    public static ByteBuf frame(byte[] message) {
        ByteBuf out = Unpooled.buffer(message.length + 3);
        Varint.write(out, message.length);
        out.writeBytes(message);
        return out;
    }
}

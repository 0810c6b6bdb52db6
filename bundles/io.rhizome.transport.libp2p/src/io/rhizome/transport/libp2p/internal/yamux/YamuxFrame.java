package io.rhizome.transport.libp2p.internal.yamux;

import io.netty.buffer.ByteBuf;

/** Yamux frame header constants and encoding (12 bytes, big endian). */
public final class YamuxFrame {

    public static final int HEADER_LENGTH = 12;
    public static final int VERSION = 0;

    public static final int TYPE_DATA = 0;
    public static final int TYPE_WINDOW_UPDATE = 1;
    public static final int TYPE_PING = 2;
    public static final int TYPE_GO_AWAY = 3;

    public static final int FLAG_SYN = 1;
    public static final int FLAG_ACK = 2;
    public static final int FLAG_FIN = 4;
    public static final int FLAG_RST = 8;

    public static final int GO_AWAY_NORMAL = 0;
    public static final int GO_AWAY_PROTOCOL_ERROR = 1;
    public static final int GO_AWAY_INTERNAL_ERROR = 2;

    /** The window every stream starts with, per the spec. */
    public static final int INITIAL_WINDOW = 256 * 1024;

    private YamuxFrame() {
    }

    public static void writeHeader(ByteBuf out, int type, int flags, int streamId, long length) {
        out.writeByte(VERSION);
        out.writeByte(type);
        out.writeShort(flags);
        out.writeInt(streamId);
        out.writeInt((int) length);
    }

    /** A parsed header, for tests and diagnostics. */
    public record Header(int version, int type, int flags, int streamId, long length) {
        public static Header read(ByteBuf in) {
            return new Header(in.readUnsignedByte(), in.readUnsignedByte(), in.readUnsignedShort(), in.readInt(),
                    in.readUnsignedInt());
        }
    }
}

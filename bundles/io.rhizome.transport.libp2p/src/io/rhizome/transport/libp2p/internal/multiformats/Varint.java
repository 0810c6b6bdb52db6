package io.rhizome.transport.libp2p.internal.multiformats;

import io.netty.buffer.ByteBuf;

/**
 * Unsigned varints as the multiformats spec defines them: LEB128, at most 9 bytes (63 bits), and
 * minimally encoded, so every value has exactly one encoding.
 */
public final class Varint {

    /** Longest legal encoding. */
    public static final int MAX_BYTES = 9;

    /** Returned by {@link #peek} when the buffer does not yet hold a whole varint. */
    public static final long INCOMPLETE = -1;

    private Varint() {
    }

    public static int size(long value) {
        checkValue(value);
        int n = 1;
        while ((value >>>= 7) != 0) {
            n++;
        }
        return n;
    }

    public static byte[] encode(long value) {
        byte[] out = new byte[size(value)];
        int i = 0;
        while (true) {
            if ((value & ~0x7FL) == 0) {
                out[i] = (byte) value;
                return out;
            }
            out[i++] = (byte) ((value & 0x7F) | 0x80);
            value >>>= 7;
        }
    }

    public static void write(ByteBuf out, long value) {
        checkValue(value);
        while ((value & ~0x7FL) != 0) {
            out.writeByte((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.writeByte((int) value);
    }

    /** Decodes at {@code offset}; returns {value, length}. */
    public static long[] decode(byte[] in, int offset) {
        long value = 0;
        for (int i = 0; i < MAX_BYTES; i++) {
            if (offset + i >= in.length) {
                throw new MultiformatException("truncated varint at offset " + offset);
            }
            int b = in[offset + i] & 0xFF;
            value |= (long) (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                if (b == 0 && i > 0) {
                    throw new MultiformatException("varint not minimally encoded at offset " + offset);
                }
                return new long[] {value, i + 1};
            }
        }
        throw new MultiformatException("varint longer than " + MAX_BYTES + " bytes at offset " + offset);
    }

    /**
     * Reads a varint at the reader index without consuming it; {@link #INCOMPLETE} if more bytes are
     * needed. The encoded length is {@link #size(long)} of the result.
     */
    public static long peek(ByteBuf in) {
        long value = 0;
        int start = in.readerIndex();
        for (int i = 0; i < MAX_BYTES; i++) {
            if (start + i >= in.writerIndex()) {
                return INCOMPLETE;
            }
            int b = in.getByte(start + i) & 0xFF;
            value |= (long) (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                if (b == 0 && i > 0) {
                    throw new MultiformatException("varint not minimally encoded");
                }
                return value;
            }
        }
        throw new MultiformatException("varint longer than " + MAX_BYTES + " bytes");
    }

    private static void checkValue(long value) {
        if (value < 0) {
            throw new MultiformatException("varint value out of range: " + value);
        }
    }
}

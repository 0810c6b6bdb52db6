package io.rhizome.transport.wireguard.internal.tunnel;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;

/**
 * The framing of {@code /rhizome/sync/1.0.0} inside the tunnel: a 4-byte big-endian length, then
 * that many bytes. A length past the maximum is a protocol error that ends the connection (the
 * bytes after it cannot be trusted to start a frame).
 */
final class Frames {

    private Frames() {
    }

    static byte[] header(int length) {
        return new byte[] { (byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8), (byte) length };
    }

    /** The next frame, or null at a clean end of stream (between frames). */
    static byte[] read(DataInputStream in, int max) throws IOException {
        int b0 = in.read();
        if (b0 < 0) {
            return null;
        }
        int length = (b0 << 24) | (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
        if (length < 0 || length > max) {
            throw new IOException("a frame announces " + Integer.toUnsignedString(length) + " bytes, more than the maximum " + max);
        }
        byte[] message = new byte[length];
        try {
            in.readFully(message);
        } catch (EOFException e) {
            throw new EOFException("the connection ended inside a frame of " + length + " bytes");
        }
        return message;
    }
}

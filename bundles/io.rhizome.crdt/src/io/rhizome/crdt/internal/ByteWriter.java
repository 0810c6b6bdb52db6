package io.rhizome.crdt.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Growable byte buffer with the varint encodings every built-in type uses. */
public final class ByteWriter {

    private byte[] buf;
    private int len;

    public ByteWriter() {
        this(64);
    }

    public ByteWriter(int capacity) {
        buf = new byte[Math.max(16, capacity)];
    }

    private void ensure(int extra) {
        if (len + extra > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
        }
    }

    public ByteWriter u8(int b) {
        ensure(1);
        buf[len++] = (byte) b;
        return this;
    }

    /** Unsigned LEB128; negative values take ten bytes, so callers use {@link #zigzag} for signed ones. */
    public ByteWriter varlong(long v) {
        ensure(10);
        while ((v & ~0x7FL) != 0) {
            buf[len++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[len++] = (byte) v;
        return this;
    }

    public ByteWriter zigzag(long v) {
        return varlong((v << 1) ^ (v >> 63));
    }

    public ByteWriter bytes(byte[] b) {
        varlong(b.length);
        return raw(b, 0, b.length);
    }

    /** The bytes written to {@code other}, length-prefixed (as {@link #bytes}, without copying them out first). */
    public ByteWriter bytes(ByteWriter other) {
        varlong(other.len);
        return raw(other.buf, 0, other.len);
    }

    public ByteWriter raw(byte[] b, int off, int n) {
        ensure(n);
        System.arraycopy(b, off, buf, len, n);
        len += n;
        return this;
    }

    public ByteWriter string(String s) {
        int n = s.length();
        if (n < 128) {
            // Short ASCII (ids, keys, small values) is written in place, without an intermediate array.
            ensure(n + 1);
            int at = len + 1;
            for (int i = 0; i < n; i++) {
                char c = s.charAt(i);
                if (c >= 0x80) {
                    return bytes(s.getBytes(StandardCharsets.UTF_8));
                }
                buf[at + i] = (byte) c;
            }
            buf[len] = (byte) n;
            len = at + n;
            return this;
        }
        return bytes(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Code points as UTF-8, unprefixed (no String in between; they must not be surrogates). */
    public ByteWriter utf8(int[] cps, int from, int n) {
        ensure(n);
        for (int i = from; i < from + n; i++) {
            int c = cps[i];
            if (c < 0x80) {
                buf[len++] = (byte) c;
                continue;
            }
            ensure(4 + from + n - i);
            if (c < 0x800) {
                buf[len++] = (byte) (0xC0 | (c >> 6));
            } else {
                if (c < 0x10000) {
                    buf[len++] = (byte) (0xE0 | (c >> 12));
                } else {
                    buf[len++] = (byte) (0xF0 | (c >> 18));
                    buf[len++] = (byte) (0x80 | ((c >> 12) & 0x3F));
                }
                buf[len++] = (byte) (0x80 | ((c >> 6) & 0x3F));
            }
            buf[len++] = (byte) (0x80 | (c & 0x3F));
        }
        return this;
    }

    public int size() {
        return len;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, len);
    }
}

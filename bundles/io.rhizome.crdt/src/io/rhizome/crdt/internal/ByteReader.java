package io.rhizome.crdt.internal;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.rhizome.spi.crdt.CrdtDecodeException;

/**
 * Reads what {@link ByteWriter} wrote, treating the bytes as hostile: every length is checked
 * against what is left, every varint against its width, and every failure is a
 * {@link CrdtDecodeException} saying where and what.
 */
public final class ByteReader {

    private final byte[] buf;
    private final int end;
    private int pos;

    public ByteReader(byte[] buf) {
        this(buf, 0, buf.length);
    }

    public ByteReader(byte[] buf, int off, int len) {
        this.buf = buf;
        this.pos = off;
        this.end = off + len;
    }

    public int u8() throws CrdtDecodeException {
        if (pos >= end) {
            throw new CrdtDecodeException("truncated: expected a byte at offset " + pos);
        }
        return buf[pos++] & 0xFF;
    }

    public long varlong() throws CrdtDecodeException {
        if (pos < end && buf[pos] >= 0) {
            return buf[pos++]; // one byte: most numbers in states and operations
        }
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = u8();
            if (shift == 63 && (b & 0x7E) != 0) {
                throw new CrdtDecodeException("varint overflows 64 bits at offset " + (pos - 1));
            }
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new CrdtDecodeException("varint longer than 10 bytes at offset " + pos);
    }

    /** A non-negative varint no larger than {@code max}. */
    public long bounded(long max, String what) throws CrdtDecodeException {
        long v = varlong();
        if (v < 0 || v > max) {
            throw new CrdtDecodeException(what + " out of range: " + v + " (at most " + max + ")");
        }
        return v;
    }

    public int count(int max, String what) throws CrdtDecodeException {
        return (int) bounded(max, what);
    }

    /** A count of items that each take at least one byte, so it can never exceed what is left. */
    public int itemCount(String what) throws CrdtDecodeException {
        return length(what);
    }

    /** A length prefix, checked against the bytes left after it. */
    private int length(String what) throws CrdtDecodeException {
        long n = varlong();
        if (n < 0 || n > remaining()) {
            throw new CrdtDecodeException(what + " " + n + " exceeds the " + remaining() + " bytes left at offset " + pos);
        }
        return (int) n;
    }

    public long zigzag() throws CrdtDecodeException {
        long v = varlong();
        return (v >>> 1) ^ -(v & 1);
    }

    public byte[] bytes() throws CrdtDecodeException {
        int n = length("byte string length");
        byte[] out = new byte[n];
        System.arraycopy(buf, pos, out, 0, n);
        pos += n;
        return out;
    }

    public String string() throws CrdtDecodeException {
        int n = length("string length");
        boolean ascii = true;
        for (int i = pos; i < pos + n; i++) {
            if (buf[i] < 0) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            // ASCII is valid UTF-8 as it stands; skip the strict decoder, which costs more than the copy.
            String s = new String(buf, pos, n, StandardCharsets.ISO_8859_1);
            pos += n;
            return s;
        }
        try {
            String s = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(buf, pos, n)).toString();
            pos += n;
            return s;
        } catch (CharacterCodingException e) {
            throw new CrdtDecodeException("invalid UTF-8 in string at offset " + pos, e);
        }
    }

    /**
     * A string as its code points. ASCII, the common case of text operations, is copied straight
     * from the bytes, without a String in between.
     */
    public int[] codePoints() throws CrdtDecodeException {
        int at = pos;
        int n = length("string length");
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            byte b = buf[pos + i];
            if (b < 0) {
                pos = at;
                return string().codePoints().toArray();
            }
            out[i] = b;
        }
        pos += n;
        return out;
    }

    /**
     * A replica id, returned as {@code likely} without decoding when its bytes are
     * {@code likelyUtf8} (operations mostly come from the origin of the one before).
     */
    public String replicaId(String likely, byte[] likelyUtf8) throws CrdtDecodeException {
        if (likely != null && pos < end && (buf[pos] & 0xFF) == likelyUtf8.length && pos + 1 + likelyUtf8.length <= end
                && Arrays.equals(buf, pos + 1, pos + 1 + likelyUtf8.length, likelyUtf8, 0, likelyUtf8.length)) {
            pos += 1 + likelyUtf8.length;
            return likely;
        }
        return replicaId();
    }

    /** A replica id: a non-empty string of at most 255 UTF-8 bytes. */
    public String replicaId() throws CrdtDecodeException {
        int at = pos;
        String id = string();
        if (id.isEmpty() || id.getBytes(StandardCharsets.UTF_8).length > 255) {
            throw new CrdtDecodeException("replica id at offset " + at + " is empty or longer than 255 bytes");
        }
        return id;
    }

    public int remaining() {
        return end - pos;
    }

    public int position() {
        return pos;
    }

    public void expectEnd() throws CrdtDecodeException {
        if (pos != end) {
            throw new CrdtDecodeException((end - pos) + " unexpected trailing bytes at offset " + pos);
        }
    }
}

package io.rhizome.crdt.internal.seq;

import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;

import io.rhizome.crdt.internal.ByteReader;
import io.rhizome.crdt.internal.ByteWriter;
import io.rhizome.spi.crdt.CrdtDecodeException;

/**
 * The state of a sequence: column-oriented and varint-coded, written plain, or LZ4-compressed when
 * it is large.
 *
 * <p>Why not always compressed, and why LZ4: states are encoded on every snapshot, state copy and
 * merge. DEFLATE was most of the cost of each (2 ms of a 37 KB text; 2.7 of the 3.6 ms that encoding
 * the 212 KB B4 state took); LZ4 (lz4-java's pure-Java codec, no JNI and no {@code Unsafe})
 * compresses that state in 0.8 ms and decompresses it in 0.26 ms, where DEFLATE took 2.7 and 0.8,
 * to 119,941 bytes instead of 91,735. States below {@link #COMPRESS_FROM} stay plain. Formats 1
 * (the same layout, DEFLATE) and 2 (plain) are still read, so states written before format 3 decode
 * unchanged.
 *
 * <p>Layout: a format byte (2 plain, 3 LZ4, 1 DEFLATE); then agent names; run count; then one length-prefixed column each for
 * agent index, element number (zig-zag delta from the end of the agent's previous run), length and
 * deleted flag, left origin (0 none, 1 "the element just before this run", k+2 "agent k" with the
 * number in a separate column), right origin (0 none, 1 "the first element of the next run", k+2
 * as before) and content (the live elements only, in order). Most runs start right after their left
 * origin or end right before their right origin, so those columns are mostly ones and compress to
 * almost nothing; the content dominates. A compressed form is the uncompressed size (varint), then
 * the compressed bytes (length-prefixed).
 *
 * <p>Decoding checks everything: an uncompressed size is bounded by the compressed size (the most
 * either codec can expand), every agent's
 * runs must cover its element numbers exactly once from 0, every origin must name an existing
 * element, and the content must hold exactly one item per live element.
 *
 * <p>This class is the envelope (the format byte, compression and its bounds); the layout is
 * written by {@link SeqStateEncoder} and read and checked by {@link SeqStateDecoder}.
 */
final class SeqStateCodec {

    static final int FORMAT_DEFLATE = 1;
    static final int FORMAT_PLAIN = 2;
    static final int FORMAT_LZ4 = 3;
    /**
     * States from this size on (before compression; about 60 k characters of text) are bulk and
     * compressed: below it, compressing costs more than it saves.
     */
    static final int COMPRESS_FROM = 128 * 1024;
    /** DEFLATE cannot expand data by more than about 1032:1; anything claiming more is hostile. */
    private static final long MAX_RATIO = 1100;
    /** LZ4 cannot expand data by more than about 255:1 (a match adds at most 255 bytes per byte of length). */
    private static final long MAX_RATIO_LZ4 = 256;
    /** The largest uncompressed state accepted (about 200 M characters of text). */
    private static final long MAX_RAW = 1L << 30;
    /** Pure Java (no JNI, no {@code sun.misc.Unsafe}): the same on every JDK, and safe on hostile input. */
    private static final LZ4Factory LZ4 = LZ4Factory.safeInstance();

    private SeqStateCodec() {
    }

    /** Writes the state of {@code doc}: the format byte, then the plain layout or its LZ4 form. */
    static void write(SeqDoc doc, ByteWriter out) {
        byte[] plain = SeqStateEncoder.encode(doc);
        if (plain.length < COMPRESS_FROM) {
            out.u8(FORMAT_PLAIN).bytes(plain);
            return;
        }
        LZ4Compressor lz4 = LZ4.fastCompressor();
        byte[] packed = new byte[lz4.maxCompressedLength(plain.length)];
        int n = lz4.compress(plain, 0, plain.length, packed, 0, packed.length);
        out.u8(FORMAT_LZ4).varlong(plain.length).varlong(n).raw(packed, 0, n);
    }

    static SeqDoc read(ByteReader in, boolean isText) throws CrdtDecodeException {
        return readState(in, isText, true).toDoc();
    }

    /** Decodes and checks a state without building a document (a merge needs only its difference). */
    static SeqState readState(ByteReader in, boolean isText, boolean byId) throws CrdtDecodeException {
        int format = in.u8();
        if (format == FORMAT_PLAIN) {
            return SeqStateDecoder.decode(new ByteReader(in.bytes()), isText, byId);
        }
        if (format == FORMAT_LZ4) {
            return SeqStateDecoder.decode(new ByteReader(decompressLz4(in)), isText, byId);
        }
        if (format != FORMAT_DEFLATE) {
            throw new CrdtDecodeException("unknown sequence state format " + format);
        }
        return SeqStateDecoder.decode(new ByteReader(inflate(in)), isText, byId);
    }

    private static byte[] decompressLz4(ByteReader in) throws CrdtDecodeException {
        long rawLen = in.bounded(MAX_RAW, "uncompressed state size");
        byte[] packed = in.bytes();
        if (rawLen > (packed.length + 16L) * MAX_RATIO_LZ4) {
            throw new CrdtDecodeException("claimed uncompressed size " + rawLen + " is impossible for " + packed.length + " LZ4 bytes");
        }
        byte[] plain = new byte[(int) rawLen];
        int got;
        try {
            got = LZ4.safeDecompressor().decompress(packed, 0, packed.length, plain, 0, plain.length);
        } catch (LZ4Exception e) {
            throw new CrdtDecodeException("corrupt LZ4-compressed state (or one that decompresses to more than its header's "
                    + rawLen + " bytes): " + e.getMessage(), e);
        }
        if (got != rawLen) {
            throw new CrdtDecodeException("LZ4-compressed state decompresses to " + got + " bytes, not the " + rawLen + " its header says");
        }
        return plain;
    }

    private static byte[] inflate(ByteReader in) throws CrdtDecodeException {
        long rawLen = in.bounded(MAX_RAW, "uncompressed state size");
        byte[] packed = in.bytes();
        if (rawLen > (packed.length + 16L) * MAX_RATIO) {
            throw new CrdtDecodeException("claimed uncompressed size " + rawLen + " is impossible for " + packed.length + " compressed bytes");
        }
        // Grow the output as data really inflates, so a false size claim costs nothing up front.
        byte[] plain = new byte[(int) Math.min(rawLen, Math.max(4096, packed.length * 4L))];
        Inflater inflater = new Inflater(true);
        try {
            inflater.setInput(packed);
            int got = 0;
            while (got < rawLen) {
                if (got == plain.length) {
                    plain = Arrays.copyOf(plain, (int) Math.min(rawLen, plain.length * 2L));
                }
                int n = inflater.inflate(plain, got, plain.length - got);
                if (n == 0) {
                    break; // finished early, or needs input it will not get
                }
                got += n;
            }
            if (got != rawLen) {
                throw new CrdtDecodeException("compressed state inflates to fewer bytes than its header says");
            }
            byte[] probe = new byte[1];
            if (!inflater.finished() && inflater.inflate(probe) > 0) {
                throw new CrdtDecodeException("compressed state inflates to more bytes than its header says");
            }
        } catch (DataFormatException e) {
            throw new CrdtDecodeException("corrupt compressed state: " + e.getMessage(), e);
        } finally {
            inflater.end();
        }
        return plain;
    }
}

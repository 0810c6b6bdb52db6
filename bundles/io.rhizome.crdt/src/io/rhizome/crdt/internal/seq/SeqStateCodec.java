package io.rhizome.crdt.internal.seq;

import java.util.Arrays;
import java.util.zip.Deflater;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

import io.rhizome.crdt.internal.ByteReader;
import io.rhizome.crdt.internal.ByteWriter;
import io.rhizome.spi.crdt.CrdtDecodeException;

/**
 * The state of a sequence: column-oriented and varint-coded, written uncompressed.
 *
 * <p>Why not compressed: states are encoded on every snapshot, state copy and merge, and DEFLATE
 * was most of the cost of each (2 ms of a 37 KB text); bulk storage and transfer compress
 * elsewhere (backups deflate their whole record stream). Format 1 (the same layout, DEFLATE
 * compressed) is still read, so states written before format 2 decode unchanged.
 *
 * <p>Layout: a format byte (2 plain, 1 DEFLATE); then agent names; run count; then one length-prefixed column each for
 * agent index, element number (zig-zag delta from the end of the agent's previous run), length and
 * deleted flag, left origin (0 none, 1 "the element just before this run", k+2 "agent k" with the
 * number in a separate column), right origin (0 none, 1 "the first element of the next run", k+2
 * as before) and content (the live elements only, in order). Most runs start right after their left
 * origin or end right before their right origin, so those columns are mostly ones and compress to
 * almost nothing; the content dominates.
 *
 * <p>Decoding checks everything: an inflated size is bounded by the compressed size, every agent's
 * runs must cover its element numbers exactly once from 0, every origin must name an existing
 * element, and the content must hold exactly one item per live element.
 *
 * <p>This class is the envelope (the format byte, compression and its bounds); the layout is
 * written by {@link SeqStateEncoder} and read and checked by {@link SeqStateDecoder}.
 */
final class SeqStateCodec {

    static final int FORMAT_DEFLATE = 1;
    static final int FORMAT_PLAIN = 2;
    /**
     * States from this size on (before compression; about 60 k characters of text) are bulk and
     * compressed, at DEFLATE's fastest level: below it, compressing costs more than it saves.
     */
    static final int COMPRESS_FROM = 128 * 1024;
    /** DEFLATE cannot expand data by more than about 1032:1; anything claiming more is hostile. */
    private static final long MAX_RATIO = 1100;
    /** The largest uncompressed state accepted (about 200 M characters of text). */
    private static final long MAX_RAW = 1L << 30;

    private SeqStateCodec() {
    }

    /** Writes the state of {@code doc}: the format byte, then the plain layout or its DEFLATE form. */
    static void write(SeqDoc doc, ByteWriter out) {
        byte[] plain = SeqStateEncoder.encode(doc);
        if (plain.length < COMPRESS_FROM) {
            out.u8(FORMAT_PLAIN).bytes(plain);
            return;
        }
        Deflater deflater = new Deflater(Deflater.BEST_SPEED, true);
        try {
            deflater.setInput(plain);
            deflater.finish();
            ByteWriter packed = new ByteWriter(plain.length / 2 + 64);
            byte[] buf = new byte[16384];
            while (!deflater.finished()) {
                int n = deflater.deflate(buf);
                packed.raw(buf, 0, n);
            }
            out.u8(FORMAT_DEFLATE).varlong(plain.length).bytes(packed.toByteArray());
        } finally {
            deflater.end();
        }
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
        if (format != FORMAT_DEFLATE) {
            throw new CrdtDecodeException("unknown sequence state format " + format);
        }
        return SeqStateDecoder.decode(new ByteReader(inflate(in)), isText, byId);
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

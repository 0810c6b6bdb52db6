package io.rhizome.store.mapdb.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The on-disk form of the commits in the redo file of a {@link PagedRedoVolume}: a chain of records
 * from the start of the file, each a header (magic, the chain's epoch, the commit's number in the
 * chain, the data file's new length, the number of page changes), the changed bytes of every page,
 * and a CRC32C over all of it. The chain is the records from offset 0 that each hold the epoch of
 * the first and the number after the one before; it ends at the first record that is short, has a
 * wrong magic or CRC (torn: its commit never reached the data file) or belongs to another epoch
 * (left from an earlier lap of the file). A redo file written before chains (one record of format
 * "RHZREDO1" at offset 0, overwritten by every commit) is read as a chain of that one record.
 */
final class RedoFile {

    private static final long REDO_MAGIC = 0x52485a5245444f31L; // "RHZREDO1"
    private static final long CHAIN_MAGIC = 0x52485a5245444f32L; // "RHZREDO2"
    static final int REDO_HEADER = 8 + 8 + 4;
    /** magic, epoch, number, new length, page count */
    static final int CHAIN_HEADER = 8 + 8 + 8 + 8 + 4;
    private static final int REDO_PAGE_HEADER = 8 + 4 + 4;

    private RedoFile() {
    }

    /** The changed bytes {@code [offset, offset + bytes.length)} of one page. */
    record PageChange(long offset, byte[] bytes) {
    }

    /** A complete commit: the data file's length after it and its page changes. */
    record RedoRecord(long newLength, List<PageChange> pages) {
    }

    /** A record of the chain: its epoch and number, where it ends, and its commit. */
    record Chained(long epoch, long number, long end, RedoRecord record) {
    }

    /**
     * The commits of the redo file's chain, oldest first (empty when it holds none). Replaying them
     * in order onto the data file gives the state after the last; replaying more than needed is
     * harmless (after-images).
     */
    static List<RedoRecord> readChain(FileChannel redo) throws IOException {
        RedoRecord legacy = readLegacy(redo);
        if (legacy != null) {
            return List.of(legacy);
        }
        List<RedoRecord> out = new ArrayList<>();
        for (Chained c : chain(redo)) {
            out.add(c.record());
        }
        return out;
    }

    /** Where the chain ends: the offset after its last record (0 when it has none). */
    static long chainEnd(FileChannel redo) throws IOException {
        List<Chained> chain = chain(redo);
        return chain.isEmpty() ? 0 : chain.get(chain.size() - 1).end();
    }

    private static List<Chained> chain(FileChannel redo) throws IOException {
        List<Chained> out = new ArrayList<>();
        long size = redo.size();
        long pos = 0;
        while (true) {
            Chained c = readChained(redo, pos, size);
            if (c == null) {
                return out;
            }
            if (!out.isEmpty()) {
                Chained last = out.get(out.size() - 1);
                if (c.epoch() != last.epoch() || c.number() != last.number() + 1) {
                    return out; // a record of an earlier lap
                }
            }
            out.add(c);
            pos = c.end();
        }
    }

    /** The chained record at {@code at}, or null if there is none (zeros, torn, another format). */
    private static Chained readChained(FileChannel redo, long at, long size) throws IOException {
        if (at + CHAIN_HEADER + 8 > size) {
            return null;
        }
        ByteBuffer header = ByteBuffer.allocate(CHAIN_HEADER);
        readFully(redo, header, at);
        header.flip();
        if (header.getLong() != CHAIN_MAGIC) {
            return null;
        }
        long epoch = header.getLong();
        long number = header.getLong();
        long newLength = header.getLong();
        int count = header.getInt();
        if (count < 0 || newLength < 0) {
            return null;
        }
        CRC32C crc = new CRC32C();
        header.flip();
        crc.update(header);
        Body body = readBody(redo, at + CHAIN_HEADER, count, size, crc);
        return body == null ? null : new Chained(epoch, number, body.end(), new RedoRecord(newLength, body.pages()));
    }

    /** The single record of a redo file written before chains, or null when it holds none (empty, torn, or a chain). */
    private static RedoRecord readLegacy(FileChannel redo) throws IOException {
        long size = redo.size();
        if (size < REDO_HEADER + 8) {
            return null;
        }
        ByteBuffer header = ByteBuffer.allocate(REDO_HEADER);
        readFully(redo, header, 0);
        header.flip();
        if (header.getLong() != REDO_MAGIC) {
            return null;
        }
        long newLength = header.getLong();
        int count = header.getInt();
        if (count < 0 || newLength < 0) {
            return null;
        }
        CRC32C crc = new CRC32C();
        header.flip();
        crc.update(header);
        Body body = readBody(redo, REDO_HEADER, count, size, crc);
        return body == null ? null : new RedoRecord(newLength, body.pages());
    }

    private record Body(List<PageChange> pages, long end) {
    }

    /** The page changes and CRC trailer of a record from {@code pos}; null if short or its CRC is wrong. */
    private static Body readBody(FileChannel redo, long start, int count, long size, CRC32C crc) throws IOException {
        List<PageChange> pages = new ArrayList<>(Math.min(count, 4096));
        ByteBuffer pageHeader = ByteBuffer.allocate(REDO_PAGE_HEADER);
        long pos = start;
        for (int i = 0; i < count; i++) {
            if (pos + REDO_PAGE_HEADER > size) {
                return null;
            }
            pageHeader.clear();
            readFully(redo, pageHeader, pos);
            pageHeader.flip();
            crc.update(pageHeader.duplicate());
            long pageIndex = pageHeader.getLong();
            int lo = pageHeader.getInt();
            int len = pageHeader.getInt();
            if (pageIndex < 0 || lo < 0 || len < 0 || lo + len > PagedRedoVolume.PAGE_SIZE
                    || pos + REDO_PAGE_HEADER + len > size) {
                return null;
            }
            byte[] bytes = new byte[len];
            readFully(redo, ByteBuffer.wrap(bytes), pos + REDO_PAGE_HEADER);
            crc.update(bytes);
            pos += REDO_PAGE_HEADER + len;
            pages.add(new PageChange((pageIndex << PagedRedoVolume.PAGE_SHIFT) + lo, bytes));
        }
        if (pos + 8 > size) {
            return null;
        }
        ByteBuffer trailer = ByteBuffer.allocate(8);
        readFully(redo, trailer, pos);
        trailer.flip();
        if (trailer.getLong() != crc.getValue()) {
            return null;
        }
        return new Body(pages, pos + 8);
    }

    /** The bytes the record of {@code changes} takes in the redo file. */
    static long recordSize(List<PageChange> changes) {
        long n = CHAIN_HEADER + 8;
        for (PageChange c : changes) {
            n += REDO_PAGE_HEADER + c.bytes().length;
        }
        return n;
    }

    /**
     * Writes one record of the chain at {@code at} and forces it (its bytes only: the file's size
     * changes only when the record goes past its end).
     *
     * @return the offset after the record
     */
    static long append(FileChannel redo, long at, long epoch, long number, List<PageChange> changes, long newLength)
            throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer out = ByteBuffer.allocate(256 * 1024);
        out.putLong(CHAIN_MAGIC).putLong(epoch).putLong(number).putLong(newLength).putInt(changes.size());
        crc.update(out.array(), 0, CHAIN_HEADER);
        long pos = at;
        for (PageChange change : changes) {
            int need = REDO_PAGE_HEADER + change.bytes().length;
            if (out.remaining() < need) {
                out.flip();
                int n = out.remaining();
                writeFully(redo, out, pos);
                pos += n;
                out.clear();
            }
            int start = out.position();
            out.putLong(change.offset() >>> PagedRedoVolume.PAGE_SHIFT)
                    .putInt((int) (change.offset() & (PagedRedoVolume.PAGE_SIZE - 1)))
                    .putInt(change.bytes().length).put(change.bytes());
            crc.update(out.array(), start, need);
        }
        if (out.remaining() < 8) {
            out.flip();
            int n = out.remaining();
            writeFully(redo, out, pos);
            pos += n;
            out.clear();
        }
        out.putLong(crc.getValue());
        out.flip();
        int n = out.remaining();
        writeFully(redo, out, pos);
        pos += n;
        redo.force(false);
        return pos;
    }

    /** Writes zeros from {@code from} to {@code to} (not forced: the next record's flush takes them along). */
    static void zeros(FileChannel redo, long from, long to) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocate(64 * 1024);
        for (long pos = from; pos < to; ) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), to - pos));
            int n = zeros.remaining();
            writeFully(redo, zeros, pos);
            pos += n;
        }
    }

    /** Overwrites the header of the record at {@code at}, so that a partly written record can never be taken for a complete one. */
    static void invalidate(FileChannel redo, long at) throws IOException {
        writeFully(redo, ByteBuffer.allocate(CHAIN_HEADER), at);
        redo.force(false);
    }

    /** Writes page changes into the data file and sets its length (not forced). */
    static void applyPages(FileChannel data, List<PageChange> pages, long newLength) throws IOException {
        for (PageChange page : pages) {
            writeFully(data, ByteBuffer.wrap(page.bytes()), page.offset());
        }
        long size = data.size();
        if (size > newLength) {
            data.truncate(newLength);
        } else if (size < newLength) {
            writeFully(data, ByteBuffer.wrap(new byte[1]), newLength - 1);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file at " + pos);
            }
            pos += n;
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            pos += ch.write(buf, pos);
        }
    }
}

package io.rhizome.store.mapdb.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The on-disk form of one commit in the redo file of a {@link PagedRedoVolume}: a header (magic,
 * the data file's new length, the number of page changes), the changed bytes of every page, and a
 * CRC32C over all of it. A record that is short, has a wrong magic or a wrong CRC is torn (its
 * commit never reached the data file) and reads as absent.
 */
final class RedoFile {

    private static final long REDO_MAGIC = 0x52485a5245444f31L; // "RHZREDO1"
    static final int REDO_HEADER = 8 + 8 + 4;
    private static final int REDO_PAGE_HEADER = 8 + 4 + 4;

    private RedoFile() {
    }

    /** The changed bytes {@code [offset, offset + bytes.length)} of one page. */
    record PageChange(long offset, byte[] bytes) {
    }

    /** A complete commit: the data file's length after it and its page changes. */
    record RedoRecord(long newLength, List<PageChange> pages) {
    }

    /** The complete record in the redo file, or null when it holds none (empty or torn). */
    static RedoRecord read(FileChannel redo) throws IOException {
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
        List<PageChange> pages = new ArrayList<>(count);
        ByteBuffer pageHeader = ByteBuffer.allocate(REDO_PAGE_HEADER);
        long pos = REDO_HEADER;
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
        return new RedoRecord(newLength, pages);
    }

    /** Replays the redo file's record into the data file if it is complete; returns whether it was. */
    static boolean replay(FileChannel data, FileChannel redo) throws IOException {
        RedoRecord record = read(redo);
        if (record == null) {
            return false;
        }
        applyPages(data, record.pages(), record.newLength());
        data.force(false);
        return true;
    }

    /** Writes one record at the start of the redo file (overwriting the last one) and forces it. */
    static void write(FileChannel redo, List<PageChange> changes, long newLength) throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer out = ByteBuffer.allocate(256 * 1024);
        out.putLong(REDO_MAGIC).putLong(newLength).putInt(changes.size());
        crc.update(out.array(), 0, REDO_HEADER);
        long pos = 0;
        for (PageChange change : changes) {
            int need = REDO_PAGE_HEADER + change.bytes().length;
            if (out.remaining() < need) {
                out.flip();
                pos += out.remaining();
                writeFully(redo, out, pos - out.remaining());
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
            pos += out.remaining();
            writeFully(redo, out, pos - out.remaining());
            out.clear();
        }
        out.putLong(crc.getValue());
        out.flip();
        writeFully(redo, out, pos);
        redo.force(false);
    }

    /** Overwrites the record's header, so that a partly written record can never be taken for a complete one. */
    static void invalidate(FileChannel redo) throws IOException {
        writeFully(redo, ByteBuffer.allocate(REDO_HEADER), 0);
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

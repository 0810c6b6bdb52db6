package io.rhizome.store.mapdb.internal;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.mapdb.DBException;

/**
 * The data file of a {@link PagedRedoVolume} as pages between two syncs: the dirty pages of the
 * commit in progress (copies of clean pages, remembering which bytes changed), over a bounded cache
 * of clean pages ({@link CleanPages}), over the file as of the last sync. Also the file's length as
 * written so far and as durable.
 *
 * <p>Reads of clean pages go through a {@link RandomAccessFile}, not the volume's channel: an
 * interrupted reader thread would close a channel for every other thread.
 *
 * <p>Threading: as {@link PagedRedoVolume}'s (one writer, kept exclusive of readers while it writes
 * and syncs; concurrent readers in between).
 */
final class PageBuffer {

    private static final int PAGE_SHIFT = PagedRedoVolume.PAGE_SHIFT;
    private static final int PAGE_SIZE = PagedRedoVolume.PAGE_SIZE;

    private final Path dataPath;
    private final RandomAccessFile reader;
    private final Map<Long, DirtyPage> dirty = new HashMap<>();
    private final CleanPages clean;
    private volatile long length;
    private long durableLength;

    /** Over the data file as it is now, whose current size is durable. */
    PageBuffer(Path dataPath, long durableLength, int cacheMaxPages) throws IOException {
        this.dataPath = dataPath;
        this.reader = new RandomAccessFile(dataPath.toFile(), "r");
        this.clean = new CleanPages(Math.max(16, cacheMaxPages));
        this.durableLength = durableLength;
        this.length = durableLength;
    }

    /** The file's length including writes since the last sync. */
    long length() {
        return length;
    }

    void setLength(long length) {
        this.length = length;
    }

    /** Sets the length and drops dirty pages wholly beyond it. */
    void truncate(long size) {
        length = size;
        dirty.keySet().removeIf(index -> (index << PAGE_SHIFT) >= size);
    }

    boolean hasUnsyncedWrites() {
        return !dirty.isEmpty() || length != durableLength;
    }

    /** Drops every write since the last sync. */
    void discardUnsynced() {
        dirty.clear();
        length = durableLength;
    }

    /** The page as last written: dirty, cached or read from the file (zeros beyond its end). */
    byte[] read(long index) {
        if (!dirty.isEmpty()) {
            DirtyPage d = dirty.get(index);
            if (d != null) {
                return d.data;
            }
        }
        byte[] c = clean.get(index);
        if (c != null) {
            return c;
        }
        byte[] page = new byte[PAGE_SIZE];
        long offset = index << PAGE_SHIFT;
        if (offset < durableLength) {
            int n = (int) Math.min(PAGE_SIZE, durableLength - offset);
            try {
                synchronized (reader) {
                    reader.seek(offset);
                    reader.readFully(page, 0, n);
                }
            } catch (IOException e) {
                throw new DBException.VolumeIOError("cannot read " + dataPath + " at offset " + offset, e);
            }
        }
        clean.add(index, page);
        return page;
    }

    /** The page to write into, made dirty (a copy of the clean page) on first use since the last sync. */
    DirtyPage writable(long index) {
        DirtyPage d = dirty.get(index);
        if (d == null) {
            long end = (index + 1) << PAGE_SHIFT;
            if (end > length) {
                // MapDB calls ensureAvailable first; this only keeps a stray write from being cut off.
                length = end;
            }
            d = new DirtyPage(read(index).clone());
            dirty.put(index, d);
        }
        return d;
    }

    /** The changed bytes of every dirty page, as the redo record carries them. */
    List<RedoFile.PageChange> changes() {
        return DirtyPage.changes(dirty);
    }

    /** After the dirty pages reached the data file durably with length {@code newLength}: they are clean now. */
    void committed(long newLength) {
        boolean shrunk = newLength < durableLength;
        durableLength = newLength;
        for (Map.Entry<Long, DirtyPage> page : dirty.entrySet()) {
            clean.committed(page.getKey(), page.getValue().data);
        }
        if (shrunk) {
            clean.dropBeyond(newLength);
        }
        dirty.clear();
    }

    /** Forgets every page and closes the reader. */
    void close() throws IOException {
        dirty.clear();
        clean.clear();
        reader.close();
    }
}

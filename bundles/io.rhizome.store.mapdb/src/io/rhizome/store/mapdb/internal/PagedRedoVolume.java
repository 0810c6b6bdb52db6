package io.rhizome.store.mapdb.internal;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import org.mapdb.DBException;
import org.mapdb.DataInput2;
import org.mapdb.volume.Volume;

/**
 * A MapDB {@link Volume} whose every {@link #sync()} is an atomic, durable step, also against
 * {@code kill -9} and power loss.
 *
 * <p>Why: MapDB 3.1's own write-ahead log ({@code StoreWAL}) copies a commit into the main file
 * after syncing its log but never replays that log on open, so a crash during the copy leaves a
 * half-written file. This volume does what a redo log must: writes between two syncs stay in memory
 * (as dirty pages, remembering which bytes of each changed); {@link #sync()} appends the changed
 * bytes of every dirty page to the redo file as one record with a CRC and forces it — the commit's
 * only flush to disk — and then writes them into the data file without forcing it. The data file
 * is forced only when the redo file is about to be reused from its start (its {@link #REDO_LAP}
 * bytes are full) and on close: until then the redo file holds every commit since the last force,
 * as a chain of records (see {@link RedoFile}). One flush per commit instead of two (the redo
 * record, then the data file) halved the time a durable commit waits for the disk. {@link #open}
 * replays the chain in order and forces the data file (a clean {@link #close} flushes the data file
 * and ends the chain, so that only a crash leaves one to replay): commits already in the data file are
 * written again with the same bytes (after-images), and a torn last record fails its CRC and is
 * ignored — its commit never reached the data file. The redo file is never truncated (that would
 * cost a metadata sync); a lap starts a new epoch, so the records of the lap before, still in the
 * file behind the new ones, end the chain.
 *
 * <p>The pages between two syncs, and reading the file into them, are {@link PageBuffer}'s; this
 * class routes MapDB's reads and writes to them and makes a commit durable.
 *
 * <p>Threading: one writer, which the caller must keep exclusive of readers while it writes and
 * syncs (the store holds a write lock around each batch); concurrent readers are fine in between.
 * Memory: the dirty pages of one commit plus a bounded cache of clean pages.
 */
final class PagedRedoVolume extends Volume {

    static final int PAGE_SHIFT = 12;
    static final int PAGE_SIZE = 1 << PAGE_SHIFT;
    /** How far the data file grows at a time (a multiple of the page size). */
    static final long GROW_STEP = 1L << 20;
    /**
     * The redo file's lap: when the next record would end past it, the data file is forced and the
     * next record starts at offset 0 (a commit larger than the lap grows the file). 4 MiB bounds
     * what an open replays and what the redo file takes of a small disk (a node's data folder on a
     * 16 MB file system still has room), and costs one extra flush per lap: about every thousand
     * single-value commits.
     */
    static final long REDO_LAP = 4L << 20;

    /** Points in {@link #sync()} where a test can simulate a crash. */
    enum Stage { REDO_WRITTEN, DATA_WRITTEN }

    /** A test hook; a simulated crash is an unchecked exception thrown from it. */
    interface CrashHook {
        void reached(Stage stage);
    }

    private final Path dataPath;
    private final Path redoPath;
    private final FileChannel data;
    private final FileChannel redo;
    private final PageBuffer pages;
    private CrashHook crashHook = stage -> { };
    private final RedoChain chain;
    /** Whether commits were written into the data file since it was last forced. */
    private boolean dataUnforced;
    /** Whether the last record's commit is not (known to be) in the data file: a failed or interrupted sync. */
    private boolean recordUnapplied;

    private PagedRedoVolume(Path dataPath, Path redoPath, FileChannel data, FileChannel redo, int cacheMaxPages, long lap)
            throws IOException {
        this.dataPath = dataPath;
        this.redoPath = redoPath;
        this.data = data;
        this.redo = redo;
        this.pages = new PageBuffer(dataPath, data.size(), cacheMaxPages);
        this.chain = new RedoChain(redo, lap);
    }

    /**
     * Opens (creating if absent) the data file and its redo file, replaying a complete redo file
     * left by a crash.
     *
     * @return the volume and whether a redo was replayed
     */
    static PagedRedoVolume open(Path dataPath, Path redoPath, int cacheMaxPages) throws IOException {
        return open(dataPath, redoPath, cacheMaxPages, REDO_LAP);
    }

    /** As {@link #open(Path, Path, int)} with another lap (tests make laps short). */
    static PagedRedoVolume open(Path dataPath, Path redoPath, int cacheMaxPages, long lap) throws IOException {
        FileChannel data = FileChannel.open(dataPath, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileChannel redo;
        try {
            redo = FileChannel.open(redoPath, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            data.close();
            throw e;
        }
        try {
            List<RedoFile.RedoRecord> chain = redo.size() > 0 ? RedoFile.readChain(redo) : List.of();
            for (RedoFile.RedoRecord r : chain) {
                RedoFile.applyPages(data, r.pages(), r.newLength());
            }
            if (!chain.isEmpty()) {
                data.force(false);
                RedoFile.invalidate(redo, 0); // replayed and flushed: ended, as a clean close ends it
            }
            return new PagedRedoVolume(dataPath, redoPath, data, redo, cacheMaxPages, lap);
        } catch (IOException | RuntimeException e) {
            data.close();
            redo.close();
            throw e;
        }
    }

    void setCrashHook(CrashHook hook) {
        this.crashHook = hook;
    }

    /** Drops every write since the last sync. */
    void discardUnsynced() {
        pages.discardUnsynced();
    }

    boolean hasUnsyncedWrites() {
        return pages.hasUnsyncedWrites();
    }

    Path dataPath() {
        return dataPath;
    }

    // ---- Volume

    @Override
    public void ensureAvailable(long offset) {
        if (offset > pages.length()) {
            // Grow in steps of GROW_STEP, not page by page: a commit that changes the file's size
            // makes fdatasync also commit the file system's metadata journal (several ms); growing
            // in large steps keeps almost every commit inside the already allocated length.
            pages.setLength(((offset + GROW_STEP - 1) / GROW_STEP) * GROW_STEP);
        }
    }

    @Override
    public void truncate(long size) {
        pages.truncate(size);
    }

    @Override
    public void putLong(long offset, long value) {
        byte[] b = new byte[8];
        for (int i = 7; i >= 0; i--) {
            b[i] = (byte) value;
            value >>>= 8;
        }
        putData(offset, b, 0, 8);
    }

    @Override
    public void putInt(long offset, int value) {
        putData(offset, new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value},
                0, 4);
    }

    @Override
    public void putByte(long offset, byte value) {
        int inPage = (int) (offset & (PAGE_SIZE - 1));
        DirtyPage page = pages.writable(offset >>> PAGE_SHIFT);
        page.data[inPage] = value;
        page.mark(inPage, inPage + 1);
    }

    @Override
    public void putData(long offset, byte[] src, int srcPos, int srcSize) {
        long pos = offset;
        int from = srcPos;
        int remaining = srcSize;
        while (remaining > 0) {
            int inPage = (int) (pos & (PAGE_SIZE - 1));
            int n = Math.min(remaining, PAGE_SIZE - inPage);
            DirtyPage page = pages.writable(pos >>> PAGE_SHIFT);
            System.arraycopy(src, from, page.data, inPage, n);
            page.mark(inPage, inPage + n);
            pos += n;
            from += n;
            remaining -= n;
        }
    }

    @Override
    public void putData(long offset, ByteBuffer buf) {
        byte[] b = new byte[buf.remaining()];
        buf.get(b);
        putData(offset, b, 0, b.length);
    }

    @Override
    public long getLong(long offset) {
        int inPage = (int) (offset & (PAGE_SIZE - 1));
        byte[] b;
        int p;
        if (inPage <= PAGE_SIZE - 8) {
            b = pages.read(offset >>> PAGE_SHIFT);
            p = inPage;
        } else {
            b = new byte[8];
            getData(offset, b, 0, 8);
            p = 0;
        }
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[p + i] & 0xFF);
        }
        return v;
    }

    @Override
    public int getInt(long offset) {
        byte[] b = new byte[4];
        getData(offset, b, 0, 4);
        return ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
    }

    @Override
    public byte getByte(long offset) {
        return pages.read(offset >>> PAGE_SHIFT)[(int) (offset & (PAGE_SIZE - 1))];
    }

    @Override
    public DataInput2 getDataInput(long offset, int size) {
        byte[] b = new byte[size];
        getData(offset, b, 0, size);
        return new DataInput2.ByteArray(b);
    }

    @Override
    public void getData(long offset, byte[] dst, int dstPos, int size) {
        long pos = offset;
        int to = dstPos;
        int remaining = size;
        while (remaining > 0) {
            int inPage = (int) (pos & (PAGE_SIZE - 1));
            int n = Math.min(remaining, PAGE_SIZE - inPage);
            System.arraycopy(pages.read(pos >>> PAGE_SHIFT), inPage, dst, to, n);
            pos += n;
            to += n;
            remaining -= n;
        }
    }

    @Override
    public void clear(long startOffset, long endOffset) {
        byte[] zeros = new byte[PAGE_SIZE];
        long pos = startOffset;
        while (pos < endOffset) {
            int n = (int) Math.min(PAGE_SIZE - (pos & (PAGE_SIZE - 1)), endOffset - pos);
            putData(pos, zeros, 0, n);
            pos += n;
        }
    }

    /**
     * Makes every write since the last sync durable in one atomic step (see the class comment).
     *
     * @throws DBException.VolumeIOError if the redo file could not be made durable (then nothing
     *         of this step is applied); {@link ApplyFailedException} if the redo file is durable
     *         but the data file could not be updated (then the step will be replayed on open)
     */
    @Override
    public void sync() {
        if (!hasUnsyncedWrites()) {
            return;
        }
        long newLength = pages.length();
        List<RedoFile.PageChange> changes = pages.changes();
        if (chain.lapFull(changes)) {
            // The next lap overwrites the records of this one: the data file must hold them first.
            try {
                data.force(false);
            } catch (IOException e) {
                throw new DBException.VolumeIOError("cannot make " + dataPath + " durable before reusing " + redoPath
                        + "; nothing of this commit was written (the earlier ones are safe in the redo file): " + e.getMessage(), e);
            }
            dataUnforced = false;
            chain.newLap();
        }
        try {
            chain.append(changes, newLength);
        } catch (RedoChain.InvalidationFailed e) {
            throw new RedoOutcomeUnknownException("cannot write the redo file " + redoPath + " (" + e.getMessage()
                    + ") nor invalidate it (" + e.invalidation.getMessage() + "): whether this commit survives a restart is unknown",
                    e);
        } catch (IOException e) {
            throw new DBException.VolumeIOError("cannot write the redo file " + redoPath + ", nothing of this commit "
                    + "was written: " + e.getMessage(), e);
        }
        recordUnapplied = true;
        crashHook.reached(Stage.REDO_WRITTEN);
        try {
            dataUnforced = true;
            RedoFile.applyPages(data, changes, newLength);
            crashHook.reached(Stage.DATA_WRITTEN);
            pages.committed(newLength);
            recordUnapplied = false;
        } catch (IOException e) {
            throw new ApplyFailedException("the commit is safe in " + redoPath + " but applying it to " + dataPath
                    + " failed: " + e.getMessage(), e);
        }
    }

    /** The commit is durable in the redo file but the data file could not be updated. */
    static final class ApplyFailedException extends DBException.VolumeIOError {
        private static final long serialVersionUID = 1L;

        ApplyFailedException(String message, IOException cause) {
            super(message, cause);
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (!recordUnapplied) {
            // Every commit is in the data file: flush it and end the chain, so that the next open
            // replays nothing (a chain replayed only in part, up to a record damaged since, would
            // write older bytes over a complete data file). After a failed sync the chain stays
            // for the next open to replay.
            try {
                if (dataUnforced) {
                    data.force(false);
                }
                chain.end();
            } catch (IOException ignored) {
                // the chain stays and is replayed: it holds every commit since the last flush
            }
        }
        try {
            data.close();
        } catch (IOException ignored) {
            // closing a read/write channel after its last force: nothing left to lose
        }
        try {
            redo.close();
            pages.close();
        } catch (IOException ignored) {
            // as above
        }
    }

    @Override
    public int sliceSize() {
        return -1;
    }

    @Override
    public boolean isSliced() {
        return false;
    }

    @Override
    public long length() {
        return pages.length();
    }

    @Override
    public boolean isReadOnly() {
        return false;
    }

    @Override
    public File getFile() {
        return dataPath.toFile();
    }

    @Override
    public boolean getFileLocked() {
        return true;
    }

    @Override
    public boolean fileLoad() {
        return false;
    }
}

package io.rhizome.store.mapdb.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.security.SecureRandom;
import java.util.List;

/**
 * Where the next record of a {@link PagedRedoVolume}'s redo chain goes: the lap's epoch, the next
 * record's number and offset, and when a lap must start again from offset 0 (see
 * {@link RedoFile} for the chain's format). Not thread-safe: the volume's one writer uses it.
 */
final class RedoChain {

    private static final SecureRandom EPOCHS = new SecureRandom();

    private final FileChannel redo;
    private final long lap;
    private long epoch;
    private long number;
    private long at;

    RedoChain(FileChannel redo, long lap) {
        this.redo = redo;
        this.lap = lap;
        newLap();
    }

    /** The next record starts a new chain at offset 0 (call only when the data file holds every commit). */
    void newLap() {
        epoch = EPOCHS.nextLong();
        number = 0;
        at = 0;
    }

    /** Whether the record of {@code changes} would end past the lap, so that a new lap must start first. */
    boolean lapFull(List<RedoFile.PageChange> changes) {
        return at > 0 && at + RedoFile.recordSize(changes) > lap;
    }

    /**
     * Appends the record and forces it, growing the file in steps of zeros first when the record
     * would end past it (so that almost every record is written inside the file's length and its
     * flush need not commit the file system's journal too). A failed write is invalidated, so that
     * a partly written record can never be taken for a complete one; the next write goes to the
     * same place.
     *
     * @throws IOException the write failed, and so did its invalidation when the exception is a
     *         {@link InvalidationFailed} (then whether the record survives is unknown)
     */
    void append(List<RedoFile.PageChange> changes, long newLength) throws IOException {
        long end;
        try {
            long need = at + RedoFile.recordSize(changes);
            long size = redo.size();
            if (need > size) {
                RedoFile.zeros(redo, size, ((need + PagedRedoVolume.GROW_STEP - 1) / PagedRedoVolume.GROW_STEP) * PagedRedoVolume.GROW_STEP);
            }
            end = RedoFile.append(redo, at, epoch, number, changes, newLength);
        } catch (IOException e) {
            try {
                RedoFile.invalidate(redo, at);
            } catch (IOException again) {
                throw new InvalidationFailed(e, again);
            }
            throw e;
        }
        at = end;
        number++;
    }

    /** Ends the chain (the data file holds every commit): the next open replays nothing. */
    void end() throws IOException {
        if (redo.size() > 0) {
            RedoFile.invalidate(redo, 0);
        }
    }

    /** A record could be neither written nor invalidated. */
    static final class InvalidationFailed extends IOException {
        private static final long serialVersionUID = 1L;
        final IOException invalidation;

        InvalidationFailed(IOException write, IOException invalidation) {
            super(write.getMessage(), write);
            this.invalidation = invalidation;
        }
    }
}

package io.rhizome.store.mapdb.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import io.rhizome.spi.store.StoreException;

/**
 * An exclusive OS lock on the data folder's lock file, so that two processes (or two stores in one
 * process) never open the same files. The OS drops the lock when the process dies, so a killed
 * node never leaves a stale lock behind.
 */
final class FolderLock {

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private FolderLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    static FolderLock acquire(Path file) throws StoreException {
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new StoreException("cannot open the lock file " + file + ": " + e, e);
        }
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        } catch (IOException e) {
            closeQuietly(channel);
            throw new StoreException("cannot lock " + file + ": " + e, e);
        }
        if (lock == null) {
            closeQuietly(channel);
            throw new StoreException("the data folder " + file.getParent() + " is in use: " + file
                    + " is locked by another process or store");
        }
        return new FolderLock(file, channel, lock);
    }

    void release() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel below releases it as well
        }
        closeQuietly(channel);
    }

    Path file() {
        return file;
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing was written through it
        }
    }
}

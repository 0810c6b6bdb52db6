package io.rhizome.transport.cloud.tests;

import java.io.IOException;

import io.rhizome.transport.cloud.CloudStore;

/** A store that "crashes" (throws, as a killed process stops) after a number of deletes, or at a snapshot write. */
final class CrashingStore implements CloudStore {

    private final CloudStore delegate;
    private int deletesLeft;
    private final boolean crashAtSnapshotWrite;

    CrashingStore(CloudStore delegate, int deletesBeforeTheCrash, boolean crashAtSnapshotWrite) {
        this.delegate = delegate;
        this.deletesLeft = deletesBeforeTheCrash;
        this.crashAtSnapshotWrite = crashAtSnapshotWrite;
    }

    @Override
    public void beginRound() throws IOException {
        delegate.beginRound();
    }

    @Override
    public Listing list(String folder) throws IOException {
        return delegate.list(folder);
    }

    @Override
    public byte[] read(String folder, String name) throws IOException {
        return delegate.read(folder, name);
    }

    @Override
    public void write(String folder, String name, byte[] bytes) throws IOException {
        if (crashAtSnapshotWrite && name.endsWith(".rzs")) {
            throw new IOException("crashed while writing the snapshot " + name);
        }
        delegate.write(folder, name, bytes);
    }

    @Override
    public void delete(String folder, String name) throws IOException {
        if (deletesLeft-- <= 0) {
            throw new IOException("crashed before deleting " + name);
        }
        delegate.delete(folder, name);
    }

    @Override
    public String describe() {
        return "crashing " + delegate.describe();
    }
}

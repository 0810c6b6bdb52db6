package io.rhizome.store.mapdb.internal;

import java.io.IOException;
import java.nio.file.Path;

import org.mapdb.DB;
import org.mapdb.DBMaker;

import io.rhizome.spi.store.StoreException;

/** The data and redo files of one store folder, open as a MapDB database with the store's trees. */
record StoreFiles(PagedRedoVolume volume, DB db, StoreMaps maps) {

    static StoreFiles open(StoreSettings settings, Path folder) throws StoreException {
        Path dataFile = folder.resolve(MapDbReplicaStore.DATA_FILE);
        PagedRedoVolume volume;
        try {
            volume = PagedRedoVolume.open(dataFile, folder.resolve(MapDbReplicaStore.REDO_FILE),
                    (int) Math.min(Integer.MAX_VALUE, (long) settings.cacheMegabytes() << 20 >> PagedRedoVolume.PAGE_SHIFT));
        } catch (IOException e) {
            throw new StoreException("cannot open " + dataFile + ": " + e, e);
        }
        DB db = null;
        try {
            db = DBMaker.volumeDB(volume, volume.length() > 0).make();
            return new StoreFiles(volume, db, new StoreMaps(db));
        } catch (RuntimeException | Error e) {
            if (db != null) {
                try {
                    db.close();
                } catch (RuntimeException ignored) {
                    // already failing; the first error is the one to report
                }
            }
            volume.close();
            if (e instanceof RuntimeException) {
                throw new StoreException(dataFile + " is not a readable Rhizome store (corrupt, or not a MapDB file): " + e, e);
            }
            throw e;
        }
    }

    /** Closes without writing anything not committed. */
    void discardAndClose() {
        volume.discardUnsynced();
        try {
            db.close();
        } catch (RuntimeException ignored) {
            // closing after a failure or without a commit; nothing of it is kept
        }
        volume.close();
    }
}

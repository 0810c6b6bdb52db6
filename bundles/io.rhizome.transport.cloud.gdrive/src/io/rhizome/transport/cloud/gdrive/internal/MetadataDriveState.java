package io.rhizome.transport.cloud.gdrive.internal;

import java.io.IOException;
import java.util.Optional;

import io.rhizome.spi.store.MetadataSpace;
import io.rhizome.spi.store.StoreException;
import io.rhizome.transport.cloud.gdrive.DriveState;

/** A Drive store's changes token and index in this bundle's metadata space, one key per location; too large a value is dropped. */
final class MetadataDriveState implements DriveState {

    private final MetadataSpace space;
    private final String key;

    MetadataDriveState(MetadataSpace space, String location) {
        this.space = space;
        this.key = "changes/" + location;
    }

    @Override
    public Optional<byte[]> load() throws IOException {
        try {
            return space.get(key);
        } catch (StoreException e) {
            throw new IOException("cannot read the saved Drive changes token: " + e.getMessage(), e);
        }
    }

    /** Drops the saved token and index (the cloud was removed). */
    void delete() throws IOException {
        try {
            space.delete(key);
        } catch (StoreException e) {
            throw new IOException("cannot delete the saved Drive changes token: " + e.getMessage(), e);
        }
    }

    @Override
    public void save(byte[] state) throws IOException {
        try {
            if (state.length > MetadataSpace.MAX_VALUE_BYTES) {
                // Too many files to keep as one value: the next start lists the tree once instead.
                space.delete(key);
            } else {
                space.put(key, state);
            }
        } catch (StoreException e) {
            throw new IOException("cannot save the Drive changes token: " + e.getMessage(), e);
        }
    }
}

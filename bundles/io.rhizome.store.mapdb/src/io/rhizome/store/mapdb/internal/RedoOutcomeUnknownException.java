package io.rhizome.store.mapdb.internal;

import java.io.IOException;

import org.mapdb.DBException;

/**
 * Thrown by {@link PagedRedoVolume#sync()} when neither a commit's redo record nor its invalidation
 * could be written: the commit may or may not be replayed on the next open, so its callers must be
 * told that whether it was stored is unknown.
 */
final class RedoOutcomeUnknownException extends DBException.VolumeIOError {
    private static final long serialVersionUID = 1L;

    RedoOutcomeUnknownException(String message, IOException cause) {
        super(message, cause);
    }
}

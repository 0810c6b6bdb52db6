package io.rhizome.api;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The node's change-set log as a backup sees it: every change set with the stream and number it has
 * on this replica, sealed as it is stored, to be read out (all of it, or above some stream versions:
 * an incremental backup) and put back on another replica. Restoring change sets under their original
 * streams, not as new writes, is what lets a restored device later sync with a surviving one without
 * counting anything twice: what both hold arrives as duplicates.
 *
 * <p>Registered by the engine next to {@link SyncService} (same lifecycle: registered once the engine
 * runs, unregistered before it stops). Thread-safe; {@link #read} runs on the caller's thread
 * concurrently with writes and sees at least what was durable when it started.
 *
 * @since 0.1
 */
@ProviderType
public interface ReplicaArchive {

    /** One stored change set. {@code stream} is {@code namespace|author}. */
    record Entry(String stream, long seq, byte[] changeSet) {
        public Entry {
            changeSet = changeSet.clone();
        }

        @Override
        public byte[] changeSet() {
            return changeSet.clone();
        }

        /** The namespace part of the stream. */
        public String namespace() {
            int bar = stream.indexOf('|');
            return bar < 0 ? stream : stream.substring(0, bar);
        }
    }

    /** What a {@link #restore} did: change sets applied and those the replica already held. */
    record Restored(int applied, int duplicates) {
    }

    /** The highest sequence number per stream in the log. */
    Map<String, Long> versions();

    /** How many change sets the log holds. */
    long size();

    /**
     * Hands {@code sink} every change set of a namespace {@code include} accepts whose sequence number
     * is above {@code above}'s for its stream, in log order.
     *
     * @throws SyncException {@code STORAGE} when the log cannot be read
     */
    void read(Map<String, Long> above, Predicate<String> include, Consumer<Entry> sink);

    /**
     * Applies change sets read from another replica of the same mesh (its keys installed here),
     * checked like a peer's batch (signature, decryption, sequence, type) but not subject to the sync
     * policy: the caller vouches for them (a backup opened with the recovery words). The namespace
     * declarations among them are applied first, as a unit, then the rest as one batch; a change set
     * the replica holds already is a duplicate.
     *
     * @throws SyncException {@code INVALID_VALUE} naming the first refused stream (the streams that
     *         were not refused are applied)
     */
    Restored restore(List<Entry> entries);
}

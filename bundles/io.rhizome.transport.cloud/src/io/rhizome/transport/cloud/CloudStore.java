package io.rhizome.transport.cloud;

import java.io.IOException;
import java.util.Set;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A place files can be left for other devices: a synced folder, a cloud drive. Paths are
 * {@code folder/name} with {@code folder} one or two levels of plain names ({@code a1b2/c3d4});
 * names are ASCII without spaces. The logic above it ({@link CloudExchange}) writes only immutable
 * files plus one replaceable manifest per device, so a backend need not handle concurrent writers
 * of one file.
 *
 * <p><b>Threading:</b> called from one exchange thread at a time.
 *
 * <p><b>Failure:</b> every method throws {@link IOException} with a sentence when the place cannot
 * be reached; the exchange retries on its next round. A file that is listed but not fully
 * downloaded yet may read short or fail: the exchange checks every file before it uses it.
 *
 * <p><b>Versioning:</b> implemented by backends ({@code .folder}, {@code .gdrive}): {@code @ConsumerType}.
 *
 * @since 0.1
 */
@ConsumerType
public interface CloudStore {

    /**
     * Called by the exchange at the start of every round, before any other call of that round: a
     * backend that keeps an index of the place (the Drive backend, through its Changes API) brings
     * it up to date here, so that the round's listings cost no further requests.
     */
    default void beginRound() throws IOException {
    }

    /** What a folder holds; a missing folder lists as empty. */
    Listing list(String folder) throws IOException;

    /** The bytes of {@code folder/name} as they are now; {@link java.io.FileNotFoundException} when absent. */
    byte[] read(String folder, String name) throws IOException;

    /** Writes {@code folder/name} (creating the folder) so that readers see the old file or the whole new one, never a part. */
    void write(String folder, String name, byte[] bytes) throws IOException;

    /** Deletes {@code folder/name}; absent is fine. */
    void delete(String folder, String name) throws IOException;

    /** A short description for status and logs (a path, an account and folder name). */
    String describe();

    /**
     * A folder's contents.
     *
     * @param files     names readable now
     * @param pending   names listed by the sync client but not downloaded yet (an iCloud placeholder): wait for them
     * @param conflicts names the sync client made as conflict copies, mapped to the name they copy
     */
    record Listing(Set<String> files, Set<String> pending, java.util.Map<String, String> conflicts) {
        public static final Listing EMPTY = new Listing(Set.of(), Set.of(), java.util.Map.of());
    }
}

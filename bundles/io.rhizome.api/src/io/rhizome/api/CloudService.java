package io.rhizome.api;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The cloud fallback of a node: folders (a synced folder, a cloud drive) through which the devices
 * of the mesh leave each other end-to-end-encrypted change sets, so that devices that are never
 * online at the same time still converge. The clouds added here are kept in the node's store and
 * used from then on, also after a restart.
 *
 * <p><b>Registration:</b> registered by {@code io.rhizome.transport.cloud} while the node runs.
 *
 * <p><b>Threading:</b> thread-safe; {@link #add} and {@link #remove} persist before they return.
 *
 * <p><b>Failure:</b> bad input is an {@link IllegalArgumentException} with a sentence saying what is
 * wrong, and nothing changes; a storage failure is an {@link IllegalStateException}, nothing changes.
 *
 * <p><b>Versioning:</b> implemented by Rhizome, called by hosts and the REST API:
 * {@code @ProviderType} (a method may be added in a minor version).
 *
 * @since 0.1
 */
@ProviderType
public interface CloudService {

    /** The clouds in use, in the order they were added. */
    List<Cloud> clouds();

    /**
     * Adds a cloud of {@code kind} ({@code folder}: {@code location} is a directory path, made if
     * missing) and starts using it.
     *
     * @throws IllegalArgumentException for an unknown kind, a location that cannot be used, or one already added
     */
    Cloud add(String kind, String location);

    /**
     * Starts adding a cloud of a kind that needs the user's consent ({@code gdrive}: {@code location}
     * is {@code appDataFolder} or a folder name in My Drive): the answer carries the consent page to
     * open in a browser; the cloud is added (and used) once the browser comes back with the
     * consent, which {@link #signInStatus} reports. For a cloud already added, a new sign-in
     * replaces its credentials (after they were revoked or expired).
     *
     * @throws IllegalArgumentException for an unknown kind, one that needs no sign-in, a bad location, or a kind not set up
     * @since 0.1
     */
    SignIn signIn(String kind, String location);

    /** The sign-in started last for cloud {@code id}; empty if none was started since the node started. */
    Optional<SignIn> signInStatus(String id);

    /** Stops using a cloud (its files stay where they are); empty when no cloud has that id. */
    Optional<Cloud> remove(String id);

    /**
     * One cloud and what the last rounds through it did.
     *
     * @param id             a short stable id
     * @param kind           the backend ({@code folder}, {@code gdrive})
     * @param location       where (a path, a drive folder)
     * @param lastRoundMillis when the last round through it ended, 0 if none yet
     * @param lastError      the last round's error with what to do, empty when it went through
     * @param peers          per device that left files here: when a batch from it was last applied, and the current problem
     * @param storage        this device's own files there and the compaction settings ({@link Storage#NONE} when not known)
     */
    record Cloud(String id, String kind, String location, long lastRoundMillis, Optional<String> lastError, List<Peer> peers, Storage storage) {

        /** A cloud whose storage is not known (before its first round). */
        public Cloud(String id, String kind, String location, long lastRoundMillis, Optional<String> lastError, List<Peer> peers) {
            this(id, kind, location, lastRoundMillis, lastError, peers, Storage.NONE);
        }
    }

    /**
     * This device's own files in one cloud after the last round, and the settings that bound them.
     *
     * @param batchFiles      batch files not compacted yet (unacknowledged, or younger than the retention)
     * @param snapshotFiles   snapshot files (one per reader once compacted)
     * @param bytes           about how many bytes they take
     * @param retentionMillis how long an acknowledged batch file stays as it is before it is compacted
     * @param budgetBytes     the size budget per reader
     * @since 0.1
     */
    record Storage(int batchFiles, int snapshotFiles, long bytes, long retentionMillis, long budgetBytes) {
        public static final Storage NONE = new Storage(0, 0, 0, 0, 0);
    }

    /**
     * A sign-in in progress or ended.
     *
     * @param cloudId    the id the cloud has (or will have)
     * @param consentUrl the page to open in a browser
     * @param state      {@code waiting}, {@code done} (the cloud is in use) or {@code failed}
     * @param error      why it failed, with what to do
     */
    record SignIn(String cloudId, String consentUrl, String state, Optional<String> error) {
    }

    /** A device as seen through one cloud. */
    record Peer(String deviceId, long lastReceivedMillis, Optional<String> problem) {
    }
}

package io.rhizome.transport.cloud;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Opens a {@link CloudStore} of one kind from a user-given location. A backend bundle registers one
 * as an OSGi service with {@link #KIND_PROPERTY}; the cloud manager picks it by kind when a cloud
 * is added or the node starts.
 *
 * <p><b>Threading:</b> thread-safe. <b>Failure:</b> a location that cannot be used is an
 * {@link IllegalArgumentException} whose message says what is wrong and what to do.
 *
 * <p><b>Versioning:</b> implemented by backends: {@code @ConsumerType}.
 *
 * @since 0.1
 */
@ConsumerType
public interface CloudStoreFactory {

    /** The service property naming the kind ({@code folder}, {@code gdrive}). */
    String KIND_PROPERTY = "cloud.kind";

    /** The location in the form it is stored and compared in (an absolute, normalised path for a folder). */
    String normalise(String location);

    /**
     * A store for {@code location} (already normalised), checked to be usable now. A kind that
     * needs a sign-in refuses a location not signed in yet with a sentence naming the command.
     */
    CloudStore open(String location);

    /**
     * Starts the user's consent for {@code location} (already normalised) when this kind needs one
     * (a cloud account); empty for a kind that needs none (a folder). Once its
     * {@link CloudSignIn#done()} completes, {@link #open} works for the location.
     *
     * @throws IllegalArgumentException when a sign-in cannot start (the kind is not set up), with what to do
     */
    default java.util.Optional<CloudSignIn> signIn(String location) {
        return java.util.Optional.empty();
    }

    /**
     * The cloud at {@code location} (already normalised) was removed: deletes what this kind keeps
     * for it in the node (a sealed sign-in, a saved index), never the files in the cloud. Absent is
     * fine. A later {@link #open} of the location fails until it is signed in again.
     *
     * @throws IllegalStateException when what is kept cannot be deleted, with why
     * @since 0.1
     */
    default void forget(String location) {
    }
}

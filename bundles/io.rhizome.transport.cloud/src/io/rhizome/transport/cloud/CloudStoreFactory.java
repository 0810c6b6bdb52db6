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

    /** A store for {@code location} (already normalised), checked to be usable now. */
    CloudStore open(String location);
}

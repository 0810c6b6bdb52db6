package io.rhizome.spi.backup;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Opens {@link BackupTarget}s of one kind from the location part of a target a person types
 * ({@code gdrive:FOLDER}, {@code synced:/path}): the scheme before the colon picks the factory,
 * the rest is handed to {@link #open}.
 *
 * <h2>Registration</h2>
 * A DS service with the property {@link #SCHEME} (lower-case letters and digits, e.g. {@code gdrive});
 * the backup bundle tracks factories dynamically (multiple, dynamic), so a scheme is usable while
 * its bundle runs. A scheme registered twice: the first one tracked wins.
 *
 * <h2>Contract</h2>
 * {@link #open} returns a target that keeps the {@link BackupTarget} contract (atomic snapshots, the
 * same bytes out as in). It may check that the place is usable now (signed in, writable) but writes
 * nothing there.
 *
 * <h2>Threading</h2>
 * Thread-safe; {@link #open} may be called for every request.
 *
 * <h2>Failure</h2>
 * A location that cannot be used is an {@link IllegalArgumentException} whose message says what is
 * wrong and what to do (the command to sign in, the form of a location).
 *
 * @since 0.1 (added with the cloud targets; additive)
 */
@ConsumerType
public interface BackupTargetFactory {

    /** Service property: the scheme this factory opens, the part before the first {@code :} of a target. */
    String SCHEME = "backup.scheme";

    /** A target for {@code location} (the text after {@code SCHEME:}). */
    BackupTarget open(String location);
}

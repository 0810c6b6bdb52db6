package io.rhizome.rest.internal;

import java.nio.file.Path;
import java.time.Instant;

/** Facts about the running node that the status resource reports. */
public record NodeInfo(String version, Path home, Instant startedAt, long pid) {
}

package io.rhizome.spi.namespace;

import java.util.Objects;
import java.util.Optional;

/**
 * How a namespace is synchronised.
 *
 * @param kind      full, selective or local-only
 * @param predicate for {@link Kind#SELECTIVE}: which entities sync, e.g. {@code age < 30d} or
 *                  {@code field status = open}; empty otherwise
 * @since 0.1
 */
public record SyncScope(Kind kind, Optional<String> predicate) {

    public enum Kind { FULL, SELECTIVE, LOCAL_ONLY }

    public static final SyncScope FULL = new SyncScope(Kind.FULL, Optional.empty());
    public static final SyncScope LOCAL_ONLY = new SyncScope(Kind.LOCAL_ONLY, Optional.empty());

    public SyncScope {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(predicate, "predicate");
        if (kind == Kind.SELECTIVE && predicate.isEmpty()) {
            throw new IllegalArgumentException("a selective scope needs a predicate");
        }
        if (kind != Kind.SELECTIVE && predicate.isPresent()) {
            throw new IllegalArgumentException("only a selective scope takes a predicate");
        }
    }

    public static SyncScope selective(String predicate) {
        return new SyncScope(Kind.SELECTIVE, Optional.of(predicate));
    }
}

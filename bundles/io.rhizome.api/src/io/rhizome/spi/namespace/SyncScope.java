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

    public enum Kind {
        FULL, SELECTIVE, LOCAL_ONLY;

        /** The name in configuration and JSON: {@code full}, {@code selective}, {@code local-only}. */
        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

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

    /**
     * The scope named in configuration or JSON: {@code full}, {@code selective} (with a non-blank
     * {@code predicate}) or {@code local-only}, case-insensitive. The predicate's grammar is not
     * checked here (a malformed one makes the namespace unavailable, see the engine).
     *
     * @param name      the scope's name; null means {@code full}
     * @param predicate the predicate of a selective scope; ignored otherwise
     * @throws IllegalArgumentException naming what is wrong
     * @since 0.1
     */
    public static SyncScope parse(String name, String predicate) {
        String n = name == null ? "full" : name.toLowerCase(java.util.Locale.ROOT);
        return switch (n) {
            case "full" -> FULL;
            case "local-only" -> LOCAL_ONLY;
            case "selective" -> {
                if (predicate == null || predicate.isBlank()) {
                    throw new IllegalArgumentException("a selective scope needs a \"predicate\"");
                }
                yield selective(predicate);
            }
            default -> throw new IllegalArgumentException("\"scope\" must be full, selective or local-only, not '" + name + "'");
        };
    }
}

package io.rhizome.spi.store;

import java.util.Objects;

/**
 * Whose {@link MetadataSpace} a space is. There are two kinds of owner, kept apart by the store: a
 * bundle (named by its symbolic name, and only ever by the framework: a bundle obtains its space as
 * the bundle-scoped {@link MetadataSpace} service, so it cannot name another's), and a part of the
 * engine (which holds the {@link ReplicaStore} and asks for its spaces itself). An engine space and
 * a bundle space of the same name are different spaces.
 *
 * @param kind engine part or bundle
 * @param name the engine part's name or the bundle's symbolic name: 1 to {@value #MAX_NAME_LENGTH}
 *             characters
 * @since 0.1
 */
public record MetadataOwner(Kind kind, String name) {

    /** The longest owner name. */
    public static final int MAX_NAME_LENGTH = 255;

    /** The kinds of owner. */
    public enum Kind {
        /** A part of the engine ({@code peers}, {@code device}). */
        ENGINE,
        /** A bundle, by symbolic name. */
        BUNDLE
    }

    /** @throws IllegalArgumentException for an empty or overlong name */
    public MetadataOwner {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
        if (name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("a metadata owner's name must have 1 to " + MAX_NAME_LENGTH
                    + " characters, not " + name.length());
        }
    }

    /** The space of a part of the engine. */
    public static MetadataOwner engine(String part) {
        return new MetadataOwner(Kind.ENGINE, part);
    }

    /** The space of a bundle (for the store's bundle-scoped service, which knows the consuming bundle). */
    public static MetadataOwner bundle(String symbolicName) {
        return new MetadataOwner(Kind.BUNDLE, symbolicName);
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase(java.util.Locale.ROOT) + " " + name;
    }
}

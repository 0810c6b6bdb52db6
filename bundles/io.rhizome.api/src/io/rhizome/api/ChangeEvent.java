package io.rhizome.api;

import java.util.Objects;

/**
 * An entity changed durably.
 *
 * @param namespace the namespace
 * @param key       the entity key
 * @param origin    whether this node wrote it or it came from a peer
 * @param author    the device that wrote it
 * @since 0.1
 */
public record ChangeEvent(String namespace, String key, Origin origin, String author) {

    /** Where a change came from. */
    public enum Origin { LOCAL, REMOTE }

    public ChangeEvent {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(author, "author");
    }
}

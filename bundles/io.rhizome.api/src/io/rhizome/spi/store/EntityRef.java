package io.rhizome.spi.store;

import java.util.Objects;

/**
 * An entity: a key inside a namespace.
 *
 * @since 0.1
 */
public record EntityRef(String namespace, String key) implements Comparable<EntityRef> {
    public EntityRef {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(key, "key");
    }

    @Override
    public int compareTo(EntityRef o) {
        int c = namespace.compareTo(o.namespace);
        return c != 0 ? c : key.compareTo(o.key);
    }
}

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

    // Written out: the generated record methods go through an invokedynamic bootstrap that
    // profiles showed as the top cost of the engine's entity maps; same contract.
    @Override
    public boolean equals(Object o) {
        return o == this || o instanceof EntityRef r && key.equals(r.key) && namespace.equals(r.namespace);
    }

    @Override
    public int hashCode() {
        return 31 * namespace.hashCode() + key.hashCode();
    }

    @Override
    public int compareTo(EntityRef o) {
        int c = namespace.compareTo(o.namespace);
        return c != 0 ? c : key.compareTo(o.key);
    }
}

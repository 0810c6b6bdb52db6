package io.rhizome.spi.crdt;

import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * What a replica needs from its surroundings.
 *
 * @param replicaId the id stamped on operations made by this replica: the local device id. Must be
 *                  non-empty and at most 255 UTF-8 bytes.
 * @param types     looks up another registered type by name (for maps whose values are CRDTs);
 *                  empty when no such type is installed
 * @since 0.1
 */
public record ReplicaContext(String replicaId, Function<String, Optional<CrdtType>> types) {
    public ReplicaContext {
        Objects.requireNonNull(replicaId, "replicaId");
        Objects.requireNonNull(types, "types");
        if (replicaId.isEmpty()) {
            throw new IllegalArgumentException("replicaId must not be empty");
        }
    }

    /** A context that knows no other types. */
    public static ReplicaContext of(String replicaId) {
        return new ReplicaContext(replicaId, name -> Optional.empty());
    }
}

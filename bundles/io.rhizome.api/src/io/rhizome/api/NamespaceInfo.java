package io.rhizome.api;

import java.util.Objects;
import java.util.Optional;

import io.rhizome.spi.namespace.SyncScope;

/**
 * A namespace as the engine sees it: its definition and whether it can be used now.
 *
 * @param name        the namespace name
 * @param crdtType    the {@code crdt.type} its entities use
 * @param scope       how it is synchronised
 * @param aclClass    the ACL class enterprise policies key on, if any
 * @param available   false when, for example, its CRDT type is not installed
 * @param unavailableReason why it is unavailable, a sentence a person can act on
 * @param warning     a disagreement about the declaration that does not make the namespace
 *                    unavailable: a local declaration (ConfigAdmin, a {@code NamespaceProvider})
 *                    that differs from the mesh's, or a concurrent declaration that lost 
 * @since 0.1
 */
public record NamespaceInfo(String name, String crdtType, SyncScope scope, Optional<String> aclClass,
                            boolean available, Optional<String> unavailableReason, Optional<String> warning) {
    public NamespaceInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(crdtType, "crdtType");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(aclClass, "aclClass");
        Objects.requireNonNull(unavailableReason, "unavailableReason");
        Objects.requireNonNull(warning, "warning");
    }

    /** A namespace without a declaration warning (the 0.1 shape). */
    public NamespaceInfo(String name, String crdtType, SyncScope scope, Optional<String> aclClass, boolean available,
            Optional<String> unavailableReason) {
        this(name, crdtType, scope, aclClass, available, unavailableReason, Optional.empty());
    }
}

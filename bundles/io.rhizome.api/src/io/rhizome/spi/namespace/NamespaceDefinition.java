package io.rhizome.spi.namespace;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A namespace: a named collection of entities of one CRDT type.
 *
 * @param name     {@code [a-z0-9][a-z0-9._-]{0,127}}, e.g. {@code notes}, {@code acme.tickets}
 * @param crdtType the {@code crdt.type} of its entities
 * @param scope    how it syncs
 * @param aclClass the class enterprise ACLs refer to, if any
 * @since 0.1
 */
public record NamespaceDefinition(String name, String crdtType, SyncScope scope, Optional<String> aclClass) {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,127}");

    public NamespaceDefinition {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(crdtType, "crdtType");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(aclClass, "aclClass");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid namespace name '" + name
                    + "': use 1-128 characters from a-z, 0-9, '.', '_', '-', starting with a letter or digit");
        }
    }

    public static NamespaceDefinition of(String name, String crdtType) {
        return new NamespaceDefinition(name, crdtType, SyncScope.FULL, Optional.empty());
    }
}

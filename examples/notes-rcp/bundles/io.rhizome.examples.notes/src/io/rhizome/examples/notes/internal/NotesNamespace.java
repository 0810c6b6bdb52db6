package io.rhizome.examples.notes.internal;

import io.rhizome.spi.namespace.NamespaceDefinition;
import io.rhizome.spi.namespace.NamespaceProvider;
import java.util.List;
import org.osgi.service.component.annotations.Component;

/** Contributes the {@code notes} namespace: one {@code text} entity per note, synced in full. */
@Component(service = NamespaceProvider.class)
public final class NotesNamespace implements NamespaceProvider {
    /** The namespace the notes live in. */
    public static final String NAME = "notes";

    @Override
    public List<NamespaceDefinition> namespaces() {
        return List.of(NamespaceDefinition.of(NAME, "text"));
    }
}

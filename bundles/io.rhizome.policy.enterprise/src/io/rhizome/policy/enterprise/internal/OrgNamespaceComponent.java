package io.rhizome.policy.enterprise.internal;

import java.util.List;

import org.osgi.service.component.annotations.Component;

import io.rhizome.spi.namespace.NamespaceDefinition;
import io.rhizome.spi.namespace.NamespaceProvider;

/** Declares the reserved statements namespace on every device that runs the enterprise policy: a grow-only set, synced in full. */
@Component(service = NamespaceProvider.class)
public class OrgNamespaceComponent implements NamespaceProvider {

    static final NamespaceDefinition DEFINITION = NamespaceDefinition.of(OrgBook.NAMESPACE, "g-set");

    @Override
    public List<NamespaceDefinition> namespaces() {
        return List.of(DEFINITION);
    }
}

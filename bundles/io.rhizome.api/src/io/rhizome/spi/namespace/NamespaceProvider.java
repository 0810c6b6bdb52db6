package io.rhizome.spi.namespace;

import java.util.List;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Contributes namespace definitions, as an OSGi service. The engine reads {@link #namespaces()}
 * when the service appears (and again when its properties change) and forgets them when it goes
 * away; stored data of a vanished namespace is kept and comes back with the definition.
 *
 * <p>If two providers define the same name differently, the one with the higher
 * {@code service.ranking} wins and the conflict is logged.
 *
 * <p><b>Versioning:</b> Implemented by plugins and host bundles, called by the engine:
 * {@code @ConsumerType}: adding a method to it is a major change of this package.
 *
 * @since 0.1
 */
@ConsumerType
public interface NamespaceProvider {

    /** The definitions this provider contributes. Never null; called on an engine thread. */
    List<NamespaceDefinition> namespaces();
}

package io.rhizome.core.internal.component;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import io.rhizome.core.internal.engine.ScopePredicate;
import io.rhizome.spi.namespace.NamespaceDefinition;
import io.rhizome.spi.namespace.NamespaceProvider;
import io.rhizome.spi.namespace.SyncScope;

/**
 * A namespace declared in ConfigAdmin (factory PID {@code io.rhizome.namespace}), published as a
 * {@link NamespaceProvider} that ranks above every bundle-contributed definition. An invalid
 * configuration fails activation with a message naming the bad attribute; nothing is declared. A
 * selective scope whose predicate does not parse is declared nonetheless and logged: the engine then
 * reports the namespace unavailable (with the parse error) and refuses writes to it, rather than
 * treating the name as an undeclared namespace with the default type and scope.
 */
@Component(service = NamespaceProvider.class, configurationPid = "io.rhizome.namespace", configurationPolicy = ConfigurationPolicy.REQUIRE,
        property = "service.ranking:Integer=1000000")
@Designate(ocd = NamespaceConfigComponent.Config.class, factory = true)
public class NamespaceConfigComponent implements NamespaceProvider {

    @ObjectClassDefinition(name = "Rhizome namespace", description = "Declares one namespace.")
    public @interface Config {
        @AttributeDefinition(name = "Name", description = "The namespace name: 1-128 of a-z 0-9 . _ -, starting with a letter or digit.")
        String name();

        @AttributeDefinition(name = "CRDT type", description = "The crdt.type of its entities: one of the installed CRDT types (rhizome plugins lists them).")
        String crdtType();

        @AttributeDefinition(name = "Scope", description = "full, selective or local-only.")
        String scope() default "full";

        @AttributeDefinition(name = "Predicate", description = "For a selective scope: which entities sync.")
        String predicate() default "";

        @AttributeDefinition(name = "ACL class", description = "The class enterprise ACLs refer to (optional).")
        String aclClass() default "";
    }

    private static final Logger LOG = LoggerFactory.getLogger(NamespaceConfigComponent.class);

    private NamespaceDefinition definition;

    @Activate
    void activate(Config config) {
        SyncScope scope = switch (config.scope().toLowerCase(Locale.ROOT)) {
            case "full" -> SyncScope.FULL;
            case "local-only" -> SyncScope.LOCAL_ONLY;
            case "selective" -> {
                if (config.predicate().isBlank()) {
                    throw new IllegalArgumentException("namespace '" + config.name() + "': a selective scope needs a predicate");
                }
                try {
                    ScopePredicate.parse(config.predicate());
                } catch (ScopePredicate.InvalidPredicateException e) {
                    // Still declared, so the namespace is reported unavailable and refuses writes,
                    // instead of silently falling back to the default for undeclared names.
                    LOG.error("namespace '{}': the selective predicate '{}' is malformed: {}; the namespace is unavailable until it is fixed",
                            config.name(), config.predicate(), e.getMessage());
                }
                yield SyncScope.selective(config.predicate());
            }
            default -> throw new IllegalArgumentException("namespace '" + config.name() + "': scope must be full, selective or local-only, not '"
                    + config.scope() + "'");
        };
        if (config.crdtType() == null || config.crdtType().isBlank()) {
            throw new IllegalArgumentException("namespace '" + config.name() + "': crdtType is required");
        }
        definition = new NamespaceDefinition(config.name(), config.crdtType(), scope,
                config.aclClass().isBlank() ? Optional.empty() : Optional.of(config.aclClass()));
    }

    @Override
    public List<NamespaceDefinition> namespaces() {
        return List.of(definition);
    }
}

package io.rhizome.rest.internal;

import java.io.IOException;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Locale;
import java.util.Optional;

import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.framework.InvalidSyntaxException;

import com.fasterxml.jackson.databind.JsonNode;

import io.rhizome.spi.namespace.NamespaceDefinition;
import io.rhizome.spi.namespace.SyncScope;

/**
 * Declares and removes namespaces as ConfigAdmin factory configurations (PID
 * {@code io.rhizome.namespace}), which the engine's namespace component turns into definitions.
 * Input is validated before anything is stored.
 */
final class NamespaceAdmin {

    static final String FACTORY_PID = "io.rhizome.namespace";

    private final ConfigurationAdmin cm;

    NamespaceAdmin(ConfigurationAdmin cm) {
        this.cm = cm;
    }

    /** Validates and stores a declaration; returns the definition. */
    NamespaceDefinition declare(JsonNode body) throws IOException {
        String name = text(body, "name");
        String type = text(body, "crdtType");
        String scopeText = body.path("scope").asText("full").toLowerCase(Locale.ROOT);
        String predicate = body.path("predicate").asText("");
        SyncScope scope = switch (scopeText) {
            case "full" -> SyncScope.FULL;
            case "local-only" -> SyncScope.LOCAL_ONLY;
            case "selective" -> {
                if (predicate.isBlank()) {
                    throw new IllegalArgumentException("a selective scope needs a \"predicate\"");
                }
                yield SyncScope.selective(predicate);
            }
            default -> throw new IllegalArgumentException("\"scope\" must be full, selective or local-only, not '" + scopeText + "'");
        };
        String acl = body.path("aclClass").asText("");
        NamespaceDefinition def = new NamespaceDefinition(name, type, scope, acl.isBlank() ? Optional.empty() : Optional.of(acl));
        if (find(name).isPresent()) {
            throw new IllegalArgumentException("namespace '" + name + "' is already declared; delete it first");
        }
        Configuration c = cm.createFactoryConfiguration(FACTORY_PID, "?");
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("name", name);
        props.put("crdtType", type);
        props.put("scope", scopeText);
        props.put("predicate", predicate);
        props.put("aclClass", acl);
        c.update(props);
        return def;
    }

    /** Removes a declaration made through ConfigAdmin; false if there was none. */
    boolean remove(String name) throws IOException {
        Optional<Configuration> c = find(name);
        if (c.isEmpty()) {
            return false;
        }
        c.get().delete();
        return true;
    }

    private Optional<Configuration> find(String name) throws IOException {
        try {
            Configuration[] configs = cm.listConfigurations("(&(service.factoryPid=" + FACTORY_PID + ")(name=" + escape(name) + "))");
            return configs == null || configs.length == 0 ? Optional.empty() : Optional.of(configs[0]);
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException("invalid namespace name '" + name + "'", e);
        }
    }

    private static String escape(String s) {
        return s.replace("\\", "\\5c").replace("*", "\\2a").replace("(", "\\28").replace(")", "\\29");
    }

    private static String text(JsonNode body, String field) {
        JsonNode v = body.path(field);
        if (!v.isTextual() || v.asText().isBlank()) {
            throw new IllegalArgumentException("\"" + field + "\" is required (a string)");
        }
        return v.asText();
    }
}

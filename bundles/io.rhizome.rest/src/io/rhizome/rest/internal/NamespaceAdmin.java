package io.rhizome.rest.internal;

import java.io.IOException;
import java.util.Optional;

import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.framework.InvalidSyntaxException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.spi.namespace.NamespaceDefinition;
import io.rhizome.spi.namespace.SyncScope;

/**
 * The JSON form of a namespace declaration ({@code name}, {@code crdtType}, {@code scope}
 * full|selective|local-only, {@code predicate}, {@code aclClass}), as {@code POST /v1/ns} takes it
 * and export lines carry it; and the removal of declarations older nodes stored as ConfigAdmin
 * factory configurations (PID {@code io.rhizome.namespace}). Declaring itself goes through
 * {@code SyncService.declare}, so the declaration reaches every device.
 */
final class NamespaceAdmin {

    static final String FACTORY_PID = "io.rhizome.namespace";

    private final ConfigurationAdmin cm;

    NamespaceAdmin(ConfigurationAdmin cm) {
        this.cm = cm;
    }

    /**
     * Validates a declaration.
     *
     * @throws IllegalArgumentException with a sentence saying what is wrong
     */
    static NamespaceDefinition parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new IllegalArgumentException("a namespace declaration is a JSON object with \"name\" and \"crdtType\"");
        }
        String name = text(body, "name");
        String type = text(body, "crdtType");
        SyncScope scope = SyncScope.parse(body.path("scope").asText("full"), body.path("predicate").asText(""));
        String acl = body.path("aclClass").asText("");
        return new NamespaceDefinition(name, type, scope, acl.isBlank() ? Optional.empty() : Optional.of(acl));
    }

    /** The JSON form of a definition, as {@link #parse} reads it. */
    static ObjectNode toJson(NamespaceDefinition d) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("name", d.name());
        o.put("crdtType", d.crdtType());
        o.put("scope", d.scope().kind().id());
        d.scope().predicate().ifPresent(p -> o.put("predicate", p));
        d.aclClass().ifPresent(a -> o.put("aclClass", a));
        return o;
    }

    /** Removes a declaration an older node made through ConfigAdmin; false if there was none. */
    boolean removeLegacy(String name) throws IOException {
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

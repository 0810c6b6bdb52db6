package io.rhizome.crdt.internal;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Component;

import com.fasterxml.jackson.databind.JsonNode;

import io.rhizome.api.clock.HlcTimestamp;
import io.rhizome.spi.crdt.CrdtIntentException;
import io.rhizome.spi.crdt.CrdtReplica;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crdt.CrdtTypeName;
import io.rhizome.spi.crdt.ReplicaContext;

/** The built-in {@code or-map} type as a DS service. */
@Component(service = CrdtType.class)
@CrdtTypeName(type = "or-map")
public class OrMapType extends BuiltinType {

    public OrMapType() {
        super("or-map", "map of keys to nested CRDTs; updates merge, an update concurrent with a remove wins", OrMapReplica::new);
    }

    /** Refused: remove the keys instead. */
    @Override
    public JsonNode deleteIntent() throws CrdtIntentException {
        throw deleteRefused("remove its keys instead");
    }

    /**
     * Per key of the export ({@code {"k":{"type":t,"value":v}}}, see {@link OrMapReplica#exportValue()}),
     * the nested type's own import intents wrapped in {@code update}s; a key whose current field has
     * another type is removed first, a key the export does not have is removed. A key removed
     * earlier on this device continues from its hidden history (an or-map remove hides, it does not
     * reset), so the import is exact on a device that never held the key.
     */
    @Override
    public List<JsonNode> importIntents(ReplicaContext context, JsonNode current, JsonNode exported) throws CrdtIntentException {
        if (!exported.isObject()) {
            throw ImportIntents.invalid(name(), "the value must be a JSON object of {\"type\",\"value\"} fields");
        }
        List<JsonNode> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = exported.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> f = it.next();
            String key = f.getKey();
            JsonNode field = f.getValue();
            if (!field.isObject() || !field.path("type").isTextual() || !field.has("value") || field.size() != 2) {
                throw ImportIntents.invalid(name(), "key '" + key + "' must be {\"type\":<crdt.type>,\"value\":<exported value>}");
            }
            String type = field.get("type").asText();
            CrdtType nested = Nested.typeForIntent(context, type);
            JsonNode have = current.path(key);
            JsonNode haveValue = Json.NODES.nullNode();
            if (have.isObject() && type.equals(have.path("type").asText(null))) {
                haveValue = have.get("value");
            } else if (!have.isMissingNode()) {
                out.add(ImportIntents.op("remove").put("key", key));
            }
            List<JsonNode> intents;
            try {
                intents = nested.importIntents(context, haveValue, field.get("value"));
            } catch (CrdtIntentException e) {
                throw ImportIntents.invalid(name(), "key '" + key + "': " + e.getMessage());
            }
            if (intents.isEmpty() && !type.equals(have.path("type").asText(null))) {
                intents = List.of(creatingIntent(context, nested, key, field.get("value")));
            }
            for (JsonNode intent : intents) {
                out.add(ImportIntents.op("update").put("key", key).put("type", type).set("intent", intent));
            }
        }
        if (current.isObject()) {
            for (Iterator<String> it = current.fieldNames(); it.hasNext();) {
                String k = it.next();
                if (!exported.has(k)) {
                    out.add(ImportIntents.op("remove").put("key", k));
                }
            }
        }
        return out;
    }

    /**
     * Intents that leave a fresh replica as it is (for a nested type's delete, or a remove of what
     * is not there, or a zero-length edit), tried in order by {@link #creatingIntent}.
     */
    private static final List<JsonNode> NO_CHANGE = List.of(
            ImportIntents.op("remove").putNull("value"),
            ImportIntents.op("remove").put("key", ""),
            ImportIntents.op("increment").put("by", 0),
            ImportIntents.op("delete").put("index", 0).put("count", 0),
            ImportIntents.op("insert").put("index", 0).put("text", ""),
            ImportIntents.op("insert").put("index", 0).set("values", Json.NODES.arrayNode()));

    /**
     * A key whose exported value is its type's empty value (an or-set emptied by removes, a register
     * set to null) needs one update to exist at all, though the nested type's import asks for none:
     * the first intent that a fresh nested replica accepts and that leaves it exporting that value.
     */
    private JsonNode creatingIntent(ReplicaContext context, CrdtType nested, String key, JsonNode exported) throws CrdtIntentException {
        List<JsonNode> candidates = new ArrayList<>();
        try {
            candidates.add(nested.deleteIntent());
        } catch (CrdtIntentException e) {
            // no delete: try the intents that change nothing
        }
        candidates.addAll(NO_CHANGE);
        for (JsonNode candidate : candidates) {
            try {
                CrdtReplica scratch = nested.newReplica(context);
                scratch.mutate(candidate, new HlcTimestamp(1, 0));
                if (scratch.exportValue().equals(exported)) {
                    return candidate;
                }
            } catch (CrdtIntentException | RuntimeException e) {
                // not an intent of this type, or a third-party type failing on it: try the next one
            }
        }
        throw ImportIntents.invalid(name(), "key '" + key + "': an empty " + nested.name() + " cannot be written again by an import");
    }
}

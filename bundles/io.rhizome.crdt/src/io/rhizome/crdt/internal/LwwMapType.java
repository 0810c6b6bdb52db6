package io.rhizome.crdt.internal;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Component;

import com.fasterxml.jackson.databind.JsonNode;

import io.rhizome.spi.crdt.CrdtIntentException;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crdt.CrdtTypeName;
import io.rhizome.spi.crdt.ReplicaContext;

/** The built-in {@code lww-map} type as a DS service. */
@Component(service = CrdtType.class)
@CrdtTypeName(type = "lww-map")
public class LwwMapType extends BuiltinType {

    public LwwMapType() {
        super("lww-map", "map of keys to JSON values or nested CRDTs; per key the latest write wins", LwwMapReplica::new);
    }

    /** Refused: remove the keys instead. */
    @Override
    public JsonNode deleteIntent() throws CrdtIntentException {
        throw deleteRefused("remove its keys instead");
    }

    /**
     * A {@code set} of every key whose value differs and a {@code remove} of every key the export
     * does not have. A key that held a nested CRDT comes back as its plain value (the map's value
     * does not say which type it was).
     */
    @Override
    public List<JsonNode> importIntents(ReplicaContext context, JsonNode current, JsonNode exported) throws CrdtIntentException {
        if (!exported.isObject()) {
            throw ImportIntents.invalid(name(), "the value must be a JSON object");
        }
        List<JsonNode> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = exported.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> f = it.next();
            if (!f.getValue().equals(current.get(f.getKey()))) {
                out.add(ImportIntents.op("set").put("key", f.getKey()).set("value", f.getValue()));
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
}

package io.rhizome.core.internal.service;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The intents the typed {@code SyncService} methods stand for (see the built-in types' docs). */
final class Intents {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private Intents() {
    }

    static ObjectNode set(JsonNode value) {
        ObjectNode n = op("set");
        n.set("value", value == null ? NullNode.getInstance() : value);
        return n;
    }

    static ObjectNode increment(long by) {
        ObjectNode n = op(by < 0 ? "decrement" : "increment");
        n.put("by", Math.abs(by));
        return n;
    }

    static ObjectNode add(JsonNode element) {
        ObjectNode n = op("add");
        n.set("value", element);
        return n;
    }

    static ObjectNode remove(JsonNode element) {
        ObjectNode n = op("remove");
        n.set("value", element);
        return n;
    }

    static ObjectNode setField(String field, JsonNode value) {
        ObjectNode n = op("set");
        n.put("key", field);
        n.set("value", value == null ? NullNode.getInstance() : value);
        return n;
    }

    static ObjectNode insertText(int index, String text) {
        ObjectNode n = op("insert");
        n.put("index", index);
        n.put("text", text);
        return n;
    }

    static ObjectNode insertValues(int index, List<JsonNode> values) {
        ObjectNode n = op("insert");
        n.put("index", index);
        n.putArray("values").addAll(values);
        return n;
    }

    static ObjectNode deleteRange(int index, int count) {
        ObjectNode n = op("delete");
        n.put("index", index);
        n.put("count", count);
        return n;
    }

    private static ObjectNode op(String name) {
        ObjectNode n = F.objectNode();
        n.put("op", name);
        return n;
    }
}

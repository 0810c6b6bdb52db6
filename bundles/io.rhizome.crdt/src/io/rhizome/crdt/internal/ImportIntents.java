package io.rhizome.crdt.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.spi.crdt.CrdtIntentException;

/**
 * The intents that take the built-in value shapes (counter, set, sequence) from their current
 * exported value to another one, shared by the types of each shape. The diff is computed against
 * the value, not the history: an import reaches the exported value, it does not replay how the
 * exporting device got there.
 */
final class ImportIntents {

    /**
     * Characters per text insert: a text may have grown past the 1 MiB a single write may carry
     * (by many writes), so it is re-inserted in pieces that each fit (at most 6 bytes a character
     * in JSON escapes).
     */
    static final int TEXT_CHUNK = 128 * 1024;
    /** Budget per list insert, counted as 3 bytes per character of each element's JSON text. */
    static final int VALUES_CHUNK_BYTES = 512 * 1024;

    private ImportIntents() {
    }

    static ObjectNode op(String name) {
        ObjectNode n = Json.NODES.objectNode();
        n.put("op", name);
        return n;
    }

    static CrdtIntentException invalid(String type, String problem) {
        return new CrdtIntentException("cannot import into type '" + type + "': " + problem);
    }

    /** Increments (and, unless grow-only, decrements) from the current count to the exported one. */
    static List<JsonNode> counter(String type, boolean growOnly, JsonNode current, JsonNode exported) throws CrdtIntentException {
        if (!exported.isIntegralNumber() || !exported.canConvertToLong()) {
            throw invalid(type, "the value must be an integer, not " + exported);
        }
        long have = current.isIntegralNumber() ? current.asLong() : 0;
        long want = exported.asLong();
        if (want < have && growOnly) {
            throw invalid(type, "a " + type + " cannot decrease (it holds " + have + ", the import says " + want + ")");
        }
        if (want == have) {
            return List.of();
        }
        return List.of(op(want > have ? "increment" : "decrement").put("by", Math.abs(Math.subtractExact(want, have))));
    }

    /** Adds of the missing elements and (unless grow-only) removes of the extra ones, by canonical form. */
    static List<JsonNode> set(String type, boolean growOnly, JsonNode current, JsonNode exported) throws CrdtIntentException {
        if (!exported.isArray()) {
            throw invalid(type, "the value must be a JSON array of the elements");
        }
        Map<String, JsonNode> want = byCanonical(exported);
        Map<String, JsonNode> have = current.isArray() ? byCanonical(current) : Map.of();
        List<JsonNode> out = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : want.entrySet()) {
            if (!have.containsKey(e.getKey())) {
                out.add(op("add").set("value", e.getValue()));
            }
        }
        for (Map.Entry<String, JsonNode> e : have.entrySet()) {
            if (!want.containsKey(e.getKey())) {
                if (growOnly) {
                    throw invalid(type, "a " + type + " cannot remove " + e.getValue());
                }
                out.add(op("remove").set("value", e.getValue()));
            }
        }
        return out;
    }

    private static Map<String, JsonNode> byCanonical(JsonNode array) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        array.forEach(v -> out.putIfAbsent(Json.canonical(v), v));
        return out;
    }

    /**
     * Replaces the whole text (a code-point count delete, then inserts of at most
     * {@link #TEXT_CHUNK} characters) unless it is already equal.
     */
    static List<JsonNode> text(String type, JsonNode current, JsonNode exported) throws CrdtIntentException {
        if (!exported.isTextual()) {
            throw invalid(type, "the value must be a JSON string");
        }
        if (current.equals(exported)) {
            return List.of();
        }
        List<JsonNode> out = new ArrayList<>();
        String have = current.isTextual() ? current.asText() : "";
        if (!have.isEmpty()) {
            out.add(op("delete").put("index", 0).put("count", have.codePointCount(0, have.length())));
        }
        String text = exported.asText();
        int index = 0;
        int at = 0;
        while (at < text.length()) {
            int end = Math.min(text.length(), at + TEXT_CHUNK);
            if (end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))) {
                end--; // never split a surrogate pair
            }
            String piece = text.substring(at, end);
            out.add(op("insert").put("index", index).put("text", piece));
            index += piece.codePointCount(0, piece.length());
            at = end;
        }
        return out;
    }

    /** Replaces the whole list (one delete, then inserts within {@link #VALUES_CHUNK_BYTES}) unless it is already equal. */
    static List<JsonNode> list(String type, JsonNode current, JsonNode exported) throws CrdtIntentException {
        if (!exported.isArray()) {
            throw invalid(type, "the value must be a JSON array");
        }
        if (current.equals(exported)) {
            return List.of();
        }
        List<JsonNode> out = new ArrayList<>();
        if (current.isArray() && !current.isEmpty()) {
            out.add(op("delete").put("index", 0).put("count", current.size()));
        }
        int index = 0;
        ArrayNode chunk = Json.NODES.arrayNode();
        long budget = 0;
        for (JsonNode v : exported) {
            long size = 3L * v.toString().length();
            if (!chunk.isEmpty() && budget + size > VALUES_CHUNK_BYTES) {
                out.add(op("insert").put("index", index).set("values", chunk));
                index += chunk.size();
                chunk = Json.NODES.arrayNode();
                budget = 0;
            }
            chunk.add(v);
            budget += size;
        }
        if (!chunk.isEmpty()) {
            out.add(op("insert").put("index", index).set("values", chunk));
        }
        return out;
    }
}

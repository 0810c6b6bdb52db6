package io.rhizome.crdt.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.spi.crdt.CrdtDecodeException;
import io.rhizome.spi.crdt.CrdtIntentException;

/**
 * JSON values inside operations and states: written as canonical JSON text (object members sorted
 * by name, so equal values have equal bytes and can key sets and maps), read back strictly.
 */
public final class Json {

    public static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private Json() {
    }

    /** The canonical text of a value: equal JSON values give equal strings. */
    public static String canonical(JsonNode value) {
        // Fast paths for the common scalars; the text they produce is exactly what Jackson writes.
        switch (value.getNodeType()) {
            case NULL:
                return "null";
            case BOOLEAN:
                return value.booleanValue() ? "true" : "false";
            case NUMBER:
                if (value.isInt() || value.isLong()) {
                    return Long.toString(value.longValue());
                }
                break;
            case STRING: {
                String t = value.textValue();
                if (plain(t)) {
                    return "\"" + t + "\"";
                }
                break;
            }
            default:
                break;
        }
        try {
            return MAPPER.writeValueAsString(sorted(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JsonNode tree always serializes", e);
        }
    }

    /** Whether a string needs no JSON escaping (printable ASCII without quote or backslash). */
    private static boolean plain(String t) {
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }

    private static JsonNode sorted(JsonNode value) {
        if (value.isObject()) {
            List<String> names = new ArrayList<>();
            value.fieldNames().forEachRemaining(names::add);
            Collections.sort(names);
            ObjectNode out = NODES.objectNode();
            for (String n : names) {
                out.set(n, sorted(value.get(n)));
            }
            return out;
        }
        if (value.isArray()) {
            var out = NODES.arrayNode(value.size());
            for (Iterator<JsonNode> it = value.elements(); it.hasNext();) {
                out.add(sorted(it.next()));
            }
            return out;
        }
        return value;
    }

    public static void write(ByteWriter w, JsonNode value) {
        w.string(canonical(value));
    }

    public static JsonNode read(ByteReader r) throws CrdtDecodeException {
        return parse(r.string());
    }

    public static JsonNode parse(String text) throws CrdtDecodeException {
        try {
            JsonNode node = MAPPER.readTree(text);
            if (node == null || node.isMissingNode()) {
                throw new CrdtDecodeException("empty JSON value");
            }
            return node;
        } catch (IOException e) {
            throw new CrdtDecodeException("invalid JSON value: " + originalMessage(e), e);
        }
    }

    static String originalMessage(IOException e) {
        return e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
    }

    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ---- intent helpers: every failure names the field and what was expected ----

    public static String op(JsonNode intent) throws CrdtIntentException {
        if (intent == null || !intent.isObject()) {
            throw new CrdtIntentException("an intent must be a JSON object with an \"op\" field");
        }
        JsonNode op = intent.get("op");
        if (op == null || !op.isTextual()) {
            throw new CrdtIntentException("intent has no \"op\" string field: " + intent);
        }
        return op.textValue();
    }

    public static long longField(JsonNode intent, String name, long dflt) throws CrdtIntentException {
        JsonNode n = intent.get(name);
        if (n == null) {
            return dflt;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw new CrdtIntentException("\"" + name + "\" must be an integer (64-bit), got " + n);
        }
        return n.longValue();
    }

    public static int intField(JsonNode intent, String name) throws CrdtIntentException {
        JsonNode n = intent.get(name);
        if (n == null || !n.isIntegralNumber() || !n.canConvertToInt()) {
            throw new CrdtIntentException("\"" + name + "\" must be an integer, got " + n);
        }
        return n.intValue();
    }

    public static String textField(JsonNode intent, String name) throws CrdtIntentException {
        JsonNode n = intent.get(name);
        if (n == null || !n.isTextual()) {
            throw new CrdtIntentException("\"" + name + "\" must be a string, got " + n);
        }
        return n.textValue();
    }

    public static JsonNode valueField(JsonNode intent, String name) throws CrdtIntentException {
        JsonNode n = intent.get(name);
        if (n == null || n.isMissingNode()) {
            throw new CrdtIntentException("intent needs a \"" + name + "\" field");
        }
        return n;
    }

    public static CrdtIntentException unknownOp(String type, String op, String known) {
        return new CrdtIntentException(type + " does not understand op \"" + op + "\"; it understands " + known);
    }
}

package io.rhizome.pairing.internal;

import java.io.IOException;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;

/** CBOR encoding of pairing and mesh messages: maps with a {@code "t"} (type) field. */
final class Wire {

    /** Pairing messages are small; anything larger is refused before parsing. */
    static final int MAX_MESSAGE = 256 * 1024;

    private static final ObjectMapper CBOR = new ObjectMapper(CBORFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(16).maxStringLength(MAX_MESSAGE).build()).build());

    private Wire() {
    }

    static ObjectNode message(String type) {
        ObjectNode m = CBOR.createObjectNode();
        m.put("t", type);
        return m;
    }

    static ObjectNode error(String code, String message) {
        ObjectNode m = message("error");
        m.put("code", code);
        m.put("message", message);
        return m;
    }

    static byte[] encode(JsonNode m) {
        try {
            return CBOR.writeValueAsBytes(m);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode a pairing message", e);
        }
    }

    static ObjectNode decode(byte[] bytes) throws PairingProtocolException {
        if (bytes.length > MAX_MESSAGE) {
            throw new PairingProtocolException("message of " + bytes.length + " bytes exceeds the limit of " + MAX_MESSAGE);
        }
        try {
            JsonNode n = CBOR.readTree(bytes);
            if (n == null || !n.isObject() || !n.path("t").isTextual()) {
                throw new PairingProtocolException("a message must be a CBOR map with a text field 't'");
            }
            java.util.Optional<String> illFormed = illFormedText(n);
            if (illFormed.isPresent()) {
                throw new PairingProtocolException("unreadable message: the text of " + illFormed.get()
                        + " is not valid UTF-8 (it encodes an unpaired UTF-16 surrogate)");
            }
            return (ObjectNode) n;
        } catch (IOException e) {
            throw new PairingProtocolException("unreadable message: " + e.getMessage());
        }
    }

    /**
     * The field whose text (a value or a key) has an unpaired surrogate: Jackson's CBOR decoder makes
     * one of the UTF-8 encoding of a lone surrogate (ED A0 80, forbidden by RFC 3629) instead of
     * refusing it, and such a string cannot be encoded again. Bounded by the nesting limit.
     */
    private static java.util.Optional<String> illFormedText(JsonNode n) {
        java.util.ArrayDeque<java.util.Map.Entry<String, JsonNode>> todo = new java.util.ArrayDeque<>();
        todo.push(java.util.Map.entry("message", n));
        while (!todo.isEmpty()) {
            java.util.Map.Entry<String, JsonNode> at = todo.pop();
            JsonNode v = at.getValue();
            if (v.isTextual() && !wellFormed(v.textValue())) {
                return java.util.Optional.of(at.getKey());
            }
            if (v.isObject()) {
                for (var it = v.fields(); it.hasNext();) {
                    var f = it.next();
                    if (!wellFormed(f.getKey())) {
                        return java.util.Optional.of("a key in " + at.getKey());
                    }
                    todo.push(java.util.Map.entry(at.getKey() + "." + f.getKey(), f.getValue()));
                }
            } else if (v.isArray()) {
                for (JsonNode e : v) {
                    todo.push(java.util.Map.entry(at.getKey() + "[]", e));
                }
            }
        }
        return java.util.Optional.empty();
    }

    static boolean wellFormed(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    static ObjectMapper mapper() {
        return CBOR;
    }
}

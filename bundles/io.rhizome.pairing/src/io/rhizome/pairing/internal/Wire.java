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
            return (ObjectNode) n;
        } catch (IOException e) {
            throw new PairingProtocolException("unreadable message: " + e.getMessage());
        }
    }

    static ObjectMapper mapper() {
        return CBOR;
    }
}

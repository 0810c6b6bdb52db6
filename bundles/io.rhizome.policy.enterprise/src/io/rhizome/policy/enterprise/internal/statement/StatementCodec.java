package io.rhizome.policy.enterprise.internal.statement;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A statement as a JSON value (how it travels in the reserved namespace):
 * {@code {"v":1,"org","signer","seq","seen":[...],"at","action":[kind, fields...],"sig"}}.
 */
public final class StatementCodec {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private StatementCodec() {
    }

    public static ObjectNode toJson(Statement s) {
        ObjectNode o = F.objectNode();
        o.put("v", 1);
        o.put("org", s.org());
        o.put("signer", s.signer());
        o.put("seq", s.seq());
        ArrayNode seen = o.putArray("seen");
        s.seen().forEach(seen::add);
        o.put("at", s.at());
        ArrayNode action = o.putArray("action");
        s.action().fields().forEach(action::add);
        o.put("sig", Base64.getUrlEncoder().withoutPadding().encodeToString(s.signature()));
        return o;
    }

    /**
     * @throws IllegalArgumentException with a sentence if the value is not a statement
     */
    public static Statement fromJson(JsonNode o) {
        if (o == null || !o.isObject() || o.path("v").asInt() != 1) {
            throw new IllegalArgumentException("not a version-1 organisation statement");
        }
        for (String field : List.of("org", "signer", "sig")) {
            if (!o.path(field).isTextual()) {
                throw new IllegalArgumentException("statement field '" + field + "' is missing or not text");
            }
        }
        if (!o.path("seq").canConvertToLong() || !o.path("at").canConvertToLong() || !o.path("seen").isArray() || !o.path("action").isArray()) {
            throw new IllegalArgumentException("statement fields 'seq', 'at', 'seen' or 'action' are missing or malformed");
        }
        List<String> seen = new ArrayList<>();
        o.get("seen").forEach(n -> seen.add(text("seen", n)));
        List<String> action = new ArrayList<>();
        o.get("action").forEach(n -> action.add(text("action", n)));
        text("org", o.get("org"));
        text("signer", o.get("signer"));
        byte[] sig;
        try {
            sig = Base64.getUrlDecoder().decode(o.get("sig").asText());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("statement signature is not base64url");
        }
        return new Statement(o.get("org").asText(), o.get("signer").asText(), o.get("seq").asLong(), seen, o.get("at").asLong(),
                Action.of(action), sig);
    }

    /**
     * A field's text, refused if it has an unpaired UTF-16 surrogate (JSON's {@code "\\ud800"}
     * escape makes one): the signed bytes encode text as UTF-8, where every unpaired surrogate turns
     * into the same '?', so two different statements would have one id.
     */
    private static String text(String field, JsonNode n) {
        String s = n.asText();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException("statement field '" + field + "' is not valid Unicode text (an unpaired surrogate)");
            }
        }
        return s;
    }
}

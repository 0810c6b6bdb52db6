package io.rhizome.policy.enterprise.internal;

import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One line of the audit log: a denial or an ACL change.
 *
 * @param time      when this node decided, milliseconds since the epoch
 * @param device    the device concerned (the peer a send was refused to, the author of a refused change set, a statement's signer)
 * @param member    its member at that time, or empty when it has none
 * @param namespace the namespace concerned, or empty for a statement
 * @param decision  one of {@link #DENY_SEND}, {@link #DENY_RECEIVE}, {@link #STATEMENT_ACCEPTED}, {@link #STATEMENT_REJECTED}
 * @param rule      the rule that decided, as a sentence
 * @param statement the deciding statement's id, or empty
 */
public record AuditRecord(long time, String device, String member, String namespace, String decision, String rule, String statement) {

    public static final String DENY_SEND = "deny-send";
    public static final String DENY_RECEIVE = "deny-receive";
    public static final String STATEMENT_ACCEPTED = "statement-accepted";
    public static final String STATEMENT_REJECTED = "statement-rejected";

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    public ObjectNode toJson() {
        ObjectNode o = F.objectNode();
        o.put("time", Instant.ofEpochMilli(time).toString());
        o.put("device", device);
        o.put("member", member);
        o.put("namespace", namespace);
        o.put("decision", decision);
        o.put("rule", rule);
        o.put("statement", statement);
        return o;
    }

    /** @throws IllegalArgumentException if the JSON is not an audit record */
    public static AuditRecord fromJson(JsonNode o) {
        if (!o.path("time").isTextual() || !o.path("decision").isTextual()) {
            throw new IllegalArgumentException("not an audit record");
        }
        return new AuditRecord(Instant.parse(o.get("time").asText()).toEpochMilli(), o.path("device").asText(), o.path("member").asText(),
                o.path("namespace").asText(), o.get("decision").asText(), o.path("rule").asText(), o.path("statement").asText());
    }
}

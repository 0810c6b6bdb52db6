package io.rhizome.policy.enterprise.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.policy.enterprise.internal.statement.Organisation;
import io.rhizome.policy.enterprise.internal.statement.StatementGraph;

/** The JSON form of an organisation for {@code OrganisationService.show} (the REST API and the CLI). */
final class OrganisationView {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private OrganisationView() {
    }

    static JsonNode of(OrgBook book, String device) {
        ObjectNode o = F.objectNode();
        StatementGraph.Resolution r = book.graph().resolve();
        Optional<Organisation> org = r.organisation();
        if (org.isEmpty()) {
            o.putNull("organisation");
        } else {
            o.putObject("organisation").put("id", org.get().id()).put("name", org.get().name());
        }
        o.put("device", device);
        Optional<Organisation.Member> me = org.flatMap(x -> x.memberOf(device));
        if (me.isPresent()) {
            o.put("member", me.get().name());
            o.put("role", me.get().role().id());
        } else {
            o.putNull("member");
            o.putNull("role");
        }
        ArrayNode members = o.putArray("members");
        ArrayNode acl = o.putArray("acl");
        if (org.isPresent()) {
            Map<String, List<String>> devices = new TreeMap<>();
            org.get().devices().forEach((d, m) -> devices.computeIfAbsent(m, x -> new ArrayList<>()).add(d));
            new TreeMap<>(org.get().members()).values().forEach(m -> {
                ObjectNode n = members.addObject().put("name", m.name()).put("role", m.role().id());
                ArrayNode teams = n.putArray("teams");
                m.teams().forEach(teams::add);
                ArrayNode ds = n.putArray("devices");
                devices.getOrDefault(m.name(), List.of()).stream().sorted().forEach(ds::add);
                n.put("statement", m.statementId());
            });
            org.get().acl().forEach(e -> acl.addObject().put("namespace", e.pattern()).put("principal", e.principal())
                    .put("access", e.write() ? "write" : "read").put("statement", e.statementId()));
        }
        o.put("statements", book.graph().statements().size());
        ArrayNode rejected = o.putArray("rejected");
        r.rejected().forEach((id, why) -> rejected.addObject().put("statement", id)
                .put("signer", book.graph().get(id).map(s -> s.signer()).orElse("")).put("reason", why));
        return o;
    }
}

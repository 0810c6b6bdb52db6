package io.rhizome.rest.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.rhizome.api.OrganisationService;

/**
 * The enterprise organisation: {@code /v1/org}, {@code /v1/members[/NAME]}, {@code /v1/acl},
 * {@code /v1/acl/revoke}, {@code /v1/audit}. Answered by the {@link OrganisationService} of an
 * enterprise policy bundle; 503 with a sentence when none runs.
 */
final class OrgResources {

    private final Optional<OrganisationService> org;
    private final ObjectMapper json;

    OrgResources(Optional<OrganisationService> org, ObjectMapper json) {
        this.org = org;
        this.json = json;
    }

    static boolean handles(String path) {
        return path.equals("/v1/org") || path.equals("/v1/members") || path.startsWith("/v1/members/") || path.equals("/v1/acl")
                || path.equals("/v1/acl/revoke") || path.equals("/v1/audit");
    }

    RestResponse handle(RestRequest request, String path) {
        if (org.isEmpty()) {
            return RestResponse.error(503, "unavailable",
                    "no enterprise policy is running on this node (install and start io.rhizome.policy.enterprise)");
        }
        OrganisationService o = org.get();
        try {
            if (path.startsWith("/v1/members/")) {
                if (!"DELETE".equals(request.method())) {
                    return RestResponse.error(405, "method_not_allowed", request.method() + " is not allowed here; use DELETE to remove the member");
                }
                return RestResponse.ok(o.removeMember(path.substring("/v1/members/".length())));
            }
            switch (path) {
                case "/v1/org":
                    if ("GET".equals(request.method())) {
                        return RestResponse.ok(o.show());
                    }
                    return RestRouter.post(request, () -> {
                        JsonNode b = body(request);
                        return created(o.create(text(b, "name", true), Optional.ofNullable(text(b, "member", false)).orElse("admin")));
                    });
                case "/v1/members":
                    if ("GET".equals(request.method())) {
                        return RestResponse.ok(o.show());
                    }
                    return RestRouter.post(request, () -> {
                        JsonNode b = body(request);
                        return created(o.setMember(text(b, "name", true), text(b, "role", true), strings(b, "teams"),
                                Optional.ofNullable(text(b, "device", false))));
                    });
                case "/v1/acl":
                    if ("GET".equals(request.method())) {
                        return RestResponse.ok(o.show());
                    }
                    return RestRouter.post(request, () -> {
                        JsonNode b = body(request);
                        return created(o.grant(principal(b), text(b, "namespace", true), b.path("write").asBoolean(false)));
                    });
                case "/v1/acl/revoke":
                    return RestRouter.post(request, () -> {
                        JsonNode b = body(request);
                        return RestResponse.ok(o.revoke(principal(b), text(b, "namespace", true)));
                    });
                default:
                    return RestRouter.get(request, () -> audit(o, request));
            }
        } catch (BadRequest e) {
            return RestResponse.error(400, "invalid", e.getMessage());
        } catch (IllegalArgumentException e) {
            return RestResponse.error(400, "refused", e.getMessage());
        } catch (IllegalStateException e) {
            return RestResponse.error(503, "unavailable", e.getMessage());
        }
    }

    private RestResponse audit(OrganisationService o, RestRequest request) {
        Instant since;
        try {
            String s = request.query().get("since");
            since = s == null || s.isEmpty() ? Instant.EPOCH : Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw new BadRequest("'since' must be an ISO-8601 instant such as 2026-12-01T10:00:00Z, not '" + request.query().get("since") + "'");
        }
        List<JsonNode> records = o.audit(since);
        return RestResponse.stream("application/x-ndjson", out -> {
            for (JsonNode r : records) {
                out.write(json.writeValueAsString(r).getBytes(StandardCharsets.UTF_8));
                out.write('\n');
            }
        });
    }

    private static RestResponse created(JsonNode body) {
        return new RestResponse(201, body, "application/json", null);
    }

    private static final class BadRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadRequest(String message) {
            super(message);
        }
    }

    private JsonNode body(RestRequest request) {
        try {
            JsonNode b = json.readTree(request.body());
            if (b == null || !b.isObject()) {
                throw new BadRequest("the request body must be one JSON object");
            }
            return b;
        } catch (IOException e) {
            throw new BadRequest("the request body is not valid JSON: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
        }
    }

    private static String text(JsonNode b, String field, boolean required) {
        JsonNode v = b.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new BadRequest("field '" + field + "' is required");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw new BadRequest("field '" + field + "' must be a string");
        }
        return v.asText();
    }

    private static List<String> strings(JsonNode b, String field) {
        List<String> out = new ArrayList<>();
        JsonNode v = b.get(field);
        if (v == null || v.isNull()) {
            return out;
        }
        if (!v.isArray()) {
            throw new BadRequest("field '" + field + "' must be an array of strings");
        }
        v.forEach(x -> out.add(x.asText()));
        return out;
    }

    private static String principal(JsonNode b) {
        String role = text(b, "role", false);
        String team = text(b, "team", false);
        if ((role == null) == (team == null)) {
            throw new BadRequest("name exactly one of 'role' or 'team'");
        }
        return role != null ? "role:" + role : "team:" + team;
    }
}

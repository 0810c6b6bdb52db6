package io.rhizome.cli;

import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The enterprise organisation: {@code org create NAME [--member M] | org show},
 * {@code acl grant|revoke (--role R | --team T) --namespace PATTERN [--write] | acl show},
 * {@code member add NAME --role R [--team T]... [--device ID] | member remove NAME | member list},
 * {@code audit [--since T]}. The daemon checks and signs; a refusal is printed as its sentence.
 */
final class OrgCommands {

    private final Main.Invocation inv;
    private final ObjectMapper json;
    private final PrintStream out;
    private final PrintStream err;

    OrgCommands(Main.Invocation inv, ObjectMapper json, PrintStream out, PrintStream err) {
        this.inv = inv;
        this.json = json;
        this.out = out;
        this.err = err;
    }

    /** Positional words after the command and its options; {@code --team} may repeat. */
    private record Args(List<String> positional, Map<String, String> options, List<String> teams) {
    }

    private Args args(List<String> flags, List<String> valued) {
        List<String> pos = new ArrayList<>();
        Map<String, String> opts = new HashMap<>();
        List<String> teams = new ArrayList<>();
        List<String> w = inv.words().subList(1, inv.words().size());
        for (int i = 0; i < w.size(); i++) {
            String a = w.get(i);
            if (flags.contains(a)) {
                opts.put(a, "true");
            } else if (valued.contains(a)) {
                if (i + 1 >= w.size()) {
                    throw new IllegalArgumentException(a + " needs a value");
                }
                if (a.equals("--team")) {
                    teams.add(w.get(++i));
                } else {
                    opts.put(a, w.get(++i));
                }
            } else if (a.startsWith("--")) {
                throw new IllegalArgumentException("unknown option '" + a + "'");
            } else {
                pos.add(a);
            }
        }
        return new Args(pos, opts, teams);
    }

    int run(String command) throws DaemonClient.NoDaemonException {
        try {
            return switch (command) {
                case "org" -> org(args(List.of(), List.of("--member")));
                case "acl" -> acl(args(List.of("--write"), List.of("--role", "--team", "--namespace")));
                case "member" -> member(args(List.of(), List.of("--role", "--team", "--device")));
                case "audit" -> audit(args(List.of(), List.of("--since")));
                default -> Main.USAGE;
            };
        } catch (IllegalArgumentException e) {
            err.println("rhizome " + command + ": " + e.getMessage());
            return Main.USAGE;
        }
    }

    private String sub(Args a, String usage, String... allowed) {
        if (a.positional().isEmpty() || !List.of(allowed).contains(a.positional().get(0))) {
            throw new IllegalArgumentException("usage: " + usage);
        }
        return a.positional().get(0);
    }

    private int org(Args a) throws DaemonClient.NoDaemonException {
        String usage = "rhizome org create NAME [--member YOUR-MEMBER-NAME] | rhizome org show";
        String sub = sub(a, usage, "create", "show");
        if (sub.equals("show")) {
            return show(a, usage, "org");
        }
        if (a.positional().size() != 2) {
            throw new IllegalArgumentException("usage: " + usage);
        }
        ObjectNode body = json.createObjectNode().put("name", a.positional().get(1)).put("member", a.options().getOrDefault("--member", "admin"));
        return answer(DaemonClient.connect(inv.home(), json).send("POST", "/v1/org", bytes(body)), "org");
    }

    private int acl(Args a) throws DaemonClient.NoDaemonException {
        String usage = "rhizome acl grant (--role ROLE | --team TEAM) --namespace PATTERN [--write] | "
                + "rhizome acl revoke (--role ROLE | --team TEAM) --namespace PATTERN | rhizome acl show";
        String sub = sub(a, usage, "grant", "revoke", "show");
        if (sub.equals("show")) {
            return show(a, usage, "acl");
        }
        if (a.positional().size() != 1 || !a.options().containsKey("--namespace") || a.options().containsKey("--role") == (a.teams().size() == 1)
                || a.teams().size() > 1) {
            throw new IllegalArgumentException("usage: " + usage);
        }
        ObjectNode body = json.createObjectNode().put("namespace", a.options().get("--namespace"));
        if (a.options().containsKey("--role")) {
            body.put("role", a.options().get("--role"));
        } else {
            body.put("team", a.teams().get(0));
        }
        if (sub.equals("grant")) {
            body.put("write", a.options().containsKey("--write"));
        } else if (a.options().containsKey("--write")) {
            throw new IllegalArgumentException("revoke withdraws the whole entry; --write is for grant");
        }
        return answer(DaemonClient.connect(inv.home(), json).send("POST", sub.equals("grant") ? "/v1/acl" : "/v1/acl/revoke", bytes(body)), "acl");
    }

    private int member(Args a) throws DaemonClient.NoDaemonException {
        String usage = "rhizome member add NAME --role ROLE [--team TEAM]... [--device DEVICE-ID] | rhizome member remove NAME | rhizome member list";
        String sub = sub(a, usage, "add", "remove", "list");
        if (sub.equals("list")) {
            return show(a, usage, "member");
        }
        if (a.positional().size() != 2) {
            throw new IllegalArgumentException("usage: " + usage);
        }
        String name = a.positional().get(1);
        DaemonClient d = DaemonClient.connect(inv.home(), json);
        if (sub.equals("remove")) {
            return answer(d.send("DELETE", "/v1/members/" + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20"), new byte[0]), "member");
        }
        if (!a.options().containsKey("--role")) {
            throw new IllegalArgumentException("member add needs --role (admin, member or read-only); usage: " + usage);
        }
        ObjectNode body = json.createObjectNode().put("name", name).put("role", a.options().get("--role"));
        a.teams().forEach(body.putArray("teams")::add);
        if (a.options().containsKey("--device")) {
            body.put("device", a.options().get("--device"));
        }
        return answer(d.send("POST", "/v1/members", bytes(body)), "member");
    }

    private int audit(Args a) throws DaemonClient.NoDaemonException {
        if (!a.positional().isEmpty()) {
            throw new IllegalArgumentException("usage: rhizome audit [--since 2026-12-01T10:00:00Z] [--json]");
        }
        String since = a.options().get("--since");
        if (since != null) {
            try {
                Instant.parse(since);
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("--since must be an ISO-8601 instant such as 2026-12-01T10:00:00Z, not '" + since + "'");
            }
        }
        String path = "/v1/audit" + (since == null ? "" : "?since=" + URLEncoder.encode(since, StandardCharsets.UTF_8));
        return DaemonClient.connect(inv.home(), json).stream(path, line -> {
            if (inv.jsonOutput()) {
                out.println(line);
                return;
            }
            try {
                JsonNode r = json.readTree(line);
                out.println(r.path("time").asText() + "  " + r.path("decision").asText() + "  device " + shortId(r.path("device").asText())
                        + (r.path("member").asText().isEmpty() ? "" : " (" + r.path("member").asText() + ")")
                        + (r.path("namespace").asText().isEmpty() ? "" : "  " + r.path("namespace").asText()) + "  " + r.path("rule").asText()
                        + (r.path("statement").asText().isEmpty() ? "" : "  [statement " + shortId(r.path("statement").asText()) + "]"));
            } catch (java.io.IOException e) {
                out.println(line);
            }
        }, err);
    }

    private int show(Args a, String usage, String what) throws DaemonClient.NoDaemonException {
        if (a.positional().size() != 1) {
            throw new IllegalArgumentException("usage: " + usage);
        }
        return answer(DaemonClient.connect(inv.home(), json).get("/v1/org"), what);
    }

    private int answer(DaemonClient.Response r, String what) {
        if (!r.ok()) {
            err.println("rhizome: " + r.body().path("message").asText(r.body().toString()));
            return Main.REFUSED;
        }
        if (inv.jsonOutput()) {
            out.println(r.body().toString());
            return Main.OK;
        }
        JsonNode b = r.body();
        if (b.path("organisation").isNull()) {
            out.println("this device belongs to no organisation (rhizome org create NAME, or pair with a device of one)");
            return Main.OK;
        }
        if (what.equals("org")) {
            out.println("organisation " + b.path("organisation").path("name").asText() + " (" + b.path("organisation").path("id").asText() + ")");
            out.println("this device: " + b.path("device").asText() + (b.path("member").isNull() ? ", not enrolled"
                    : ", member " + b.path("member").asText() + " (" + b.path("role").asText() + ")"));
            out.println(b.path("members").size() + " members, " + b.path("acl").size() + " ACL entries, " + b.path("statements").asInt()
                    + " statements (" + b.path("rejected").size() + " not counted)");
            for (JsonNode x : b.path("rejected")) {
                out.println("  not counted: " + shortId(x.path("statement").asText()) + " by " + shortId(x.path("signer").asText()) + ": "
                        + x.path("reason").asText());
            }
        }
        if (what.equals("member")) {
            for (JsonNode m : b.path("members")) {
                List<String> teams = new ArrayList<>();
                m.path("teams").forEach(t -> teams.add(t.asText()));
                List<String> devices = new ArrayList<>();
                m.path("devices").forEach(t -> devices.add(t.asText()));
                out.println(m.path("name").asText() + "  " + m.path("role").asText() + "  teams: " + (teams.isEmpty() ? "-" : String.join(",", teams))
                        + "  devices: " + (devices.isEmpty() ? "-" : String.join(",", devices)));
            }
        }
        if (what.equals("acl")) {
            if (b.path("acl").isEmpty()) {
                out.println("no ACL entries (only admins read and write)");
            }
            for (JsonNode e : b.path("acl")) {
                out.println(e.path("namespace").asText() + "  " + e.path("principal").asText() + "  " + e.path("access").asText());
            }
        }
        return Main.OK;
    }

    private static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }

    private byte[] bytes(JsonNode n) {
        return n.toString().getBytes(StandardCharsets.UTF_8);
    }
}

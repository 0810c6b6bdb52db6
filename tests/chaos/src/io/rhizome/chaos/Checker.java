package io.rhizome.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Compares every node's export with the ledger and with each other. lost: acknowledged writes
 * missing on some node (for counters, the largest shortfall); duplicated: writes applied more than
 * once (an element twice in a list or text, a counter above what was written); diverged: entities
 * whose exports differ between nodes, plus values nobody wrote, plus elements whose write was answered
 * "nothing was stored" but that are there (an untruthful answer).
 */
final class Checker {
    record Verdict(long lost, long duplicated, long diverged, List<String> details) {
        boolean clean() {
            return lost == 0 && duplicated == 0 && diverged == 0;
        }
    }

    private static final Pattern TOKEN = Pattern.compile("<[^<>]+>");

    /** entity → exported value, for the harness's namespaces ("c-*"). */
    static Map<String, JsonNode> export(Node node) throws IOException {
        Rest.Answer a = node.rest.get("/v1/export");
        if (!a.ok()) {
            throw new IOException(node.name() + " export answered " + a.status() + ": " + a.body());
        }
        Map<String, JsonNode> out = new HashMap<>();
        for (String line : a.body().split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode l = Rest.JSON.readTree(line);
            if (l.has("namespace") && l.path("namespace").asText().startsWith("c-")) {
                out.put(l.path("namespace").asText() + "/" + l.path("key").asText(), l.path("value"));
            }
        }
        return out;
    }

    static Verdict check(Ledger ledger, List<Map<String, JsonNode>> exports, List<String> names) {
        long lost = 0;
        long dup = 0;
        long diverged = 0;
        List<String> details = new ArrayList<>();
        Map<String, JsonNode> first = exports.get(0);
        java.util.Set<String> all = new java.util.TreeSet<>();
        exports.forEach(e -> all.addAll(e.keySet()));
        for (String entity : all) {
            for (int i = 1; i < exports.size(); i++) {
                if (!java.util.Objects.equals(first.get(entity), exports.get(i).get(entity))) {
                    diverged++;
                    details.add("diverged " + entity + ": " + names.get(0) + "=" + first.get(entity) + " " + names.get(i) + "=" + exports.get(i).get(entity));
                    break;
                }
            }
        }
        for (var c : ledger.counters.entrySet()) {
            long shortfall = 0;
            long excess = 0;
            for (int i = 0; i < exports.size(); i++) {
                long v = counterValue(exports.get(i), c.getKey());
                Ledger.Bound b = c.getValue();
                if (v < b.expected - b.down) {
                    shortfall = Math.max(shortfall, b.expected - b.down - v);
                    details.add("lost on " + names.get(i) + ": " + c.getKey() + "=" + v + ", acknowledged " + b.expected);
                }
                if (v > b.expected + b.up) {
                    excess = Math.max(excess, v - b.expected - b.up);
                    details.add("duplicated on " + names.get(i) + ": " + c.getKey() + "=" + v + ", acknowledged " + b.expected);
                }
            }
            lost += shortfall;
            dup += excess;
        }
        for (var e : ledger.elements.entrySet()) {
            for (var el : e.getValue().entrySet()) {
                boolean missing = false;
                boolean twice = false;
                boolean resurrected = false;
                for (int i = 0; i < exports.size(); i++) {
                    int n = occurrences(exports.get(i).get(e.getKey()), e.getKey(), el.getKey());
                    missing |= n == 0 && el.getValue() == Ledger.Mark.ACKED;
                    twice |= n > 1;
                    // a removed element back, or one whose write was answered "nothing was stored" present: both untrue
                    resurrected |= n > 0 && (el.getValue() == Ledger.Mark.REMOVED || el.getValue() == Ledger.Mark.REFUSED);
                    if (n == 0 && el.getValue() == Ledger.Mark.ACKED || n > 1 || n > 0 && (el.getValue() == Ledger.Mark.REMOVED
                            || el.getValue() == Ledger.Mark.REFUSED)) {
                        details.add(names.get(i) + ": " + e.getKey() + " holds " + el.getKey() + " " + n + " times (" + el.getValue() + ")");
                    }
                }
                lost += missing ? 1 : 0;
                dup += twice ? 1 : 0;
                diverged += resurrected ? 1 : 0;
            }
        }
        for (var r : ledger.registers.entrySet()) {
            for (int i = 0; i < exports.size(); i++) {
                JsonNode v = exports.get(i).get(r.getKey());
                List<JsonNode> values = new ArrayList<>();
                if (v != null && v.isArray()) {
                    v.forEach(values::add);
                } else if (v != null) {
                    values.add(v);
                }
                if (values.isEmpty()) {
                    lost++;
                    details.add(names.get(i) + ": " + r.getKey() + " is absent");
                }
                for (JsonNode x : values) {
                    if (!r.getValue().contains(x.asText())) {
                        diverged++;
                        details.add(names.get(i) + ": " + r.getKey() + " holds " + x + ", which nobody wrote");
                    }
                }
            }
        }
        return new Verdict(lost, dup, diverged, details);
    }

    private static long counterValue(Map<String, JsonNode> export, String entity) {
        int hash = entity.indexOf('#');
        if (hash < 0) {
            JsonNode v = export.get(entity);
            return v == null ? 0 : v.asLong();
        }
        JsonNode map = export.get(entity.substring(0, hash));
        return map == null ? 0 : map.path(entity.substring(hash + 1)).path("value").asLong();
    }

    private static int occurrences(JsonNode value, String entity, String element) {
        if (value == null) {
            return 0;
        }
        if (value.isTextual()) {
            int n = 0;
            Matcher m = TOKEN.matcher(value.asText());
            while (m.find()) {
                n += m.group().equals(element) ? 1 : 0;
            }
            return n;
        }
        if (value.isObject()) {
            return value.has(element) ? 1 : 0;
        }
        int n = 0;
        for (JsonNode x : value) {
            n += x.asText().equals(element) ? 1 : 0;
        }
        return n;
    }
}

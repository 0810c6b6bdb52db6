package io.rhizome.rest.internal;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.api.NamespaceInfo;
import io.rhizome.api.SyncException;
import io.rhizome.api.SyncService;

/**
 * Writes an exported value back as local changes: the intents that turn the entity's current
 * value into the exported one, for each built-in type, applied as one transaction.
 */
final class Importer {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private final SyncService sync;
    /** Namespace lookups of this import, so that each line does not list every namespace again. */
    private final Map<String, Optional<NamespaceInfo>> namespaces = new java.util.HashMap<>();

    Importer(SyncService sync) {
        this.sync = sync;
    }

    private Optional<NamespaceInfo> namespace(String name) {
        return namespaces.computeIfAbsent(name, n -> sync.namespaces().stream().filter(i -> i.name().equals(n)).findFirst());
    }

    /** One parsed line of an export: an entity, or (with {@code declaration}) a namespace declaration. */
    record Line(int number, String namespace, String key, Optional<String> type, JsonNode value,
            Optional<io.rhizome.spi.namespace.NamespaceDefinition> declaration) {
        Line(int number, String namespace, String key, Optional<String> type, JsonNode value) {
            this(number, namespace, key, type, value, Optional.empty());
        }

        Line(int number, io.rhizome.spi.namespace.NamespaceDefinition declaration) {
            this(number, declaration.name(), "", Optional.of(declaration.crdtType()), NullNode.getInstance(), Optional.of(declaration));
        }
    }

    /** Lines per transaction: one durable commit per chunk instead of per line. */
    static final int CHUNK = 500;

    /** An import stopped at a line; every line before it was written. */
    static final class Stopped extends Exception {
        private static final long serialVersionUID = 1L;
        final Line line;
        final int written;
        final SyncException cause;

        Stopped(Line line, int written, SyncException cause) {
            super(cause.getMessage(), cause);
            this.line = line;
            this.written = written;
            this.cause = cause;
        }
    }

    /**
     * Writes the lines in order, up to {@link #CHUNK} lines (with distinct entities) per
     * transaction. When a chunk fails, its lines are retried one by one so that exactly the lines
     * before the failing one are written.
     *
     * @return the number of lines written
     */
    int writeAll(List<Line> lines) throws Stopped {
        int written = 0;
        int i = 0;
        while (i < lines.size()) {
            if (lines.get(i).declaration().isPresent()) {
                declare(lines.get(i), lines.get(i).declaration().get(), written);
                i++;
                continue;
            }
            declareUndeclared(lines.get(i), written);
            List<Line> chunk = new ArrayList<>();
            Set<String> entities = new java.util.HashSet<>();
            entities.add(lines.get(i).namespace() + "\u0000" + lines.get(i).key());
            chunk.add(lines.get(i++));
            while (i < lines.size() && chunk.size() < CHUNK && lines.get(i).declaration().isEmpty() && known(lines.get(i))
                    && entities.add(lines.get(i).namespace() + "\u0000" + lines.get(i).key())) {
                chunk.add(lines.get(i++));
            }
            try {
                List<Map.Entry<Line, List<JsonNode>>> planned = new ArrayList<>();
                for (Line line : chunk) {
                    planned.add(Map.entry(line, plan(line)));
                }
                sync.transaction(tx -> {
                    for (Map.Entry<Line, List<JsonNode>> e : planned) {
                        for (JsonNode intent : e.getValue()) {
                            tx.mutate(e.getKey().namespace(), e.getKey().key(), intent);
                        }
                    }
                    return null;
                });
                written += chunk.size();
            } catch (SyncException chunkFailed) {
                for (Line line : chunk) {
                    try {
                        write(line);
                        written++;
                    } catch (SyncException e) {
                        throw new Stopped(line, written, e);
                    }
                }
            }
        }
        return written;
    }

    /**
     * Declares a namespace of a declaration line (declaring what the mesh already has changes
     * nothing); a declaration line is not counted as written.
     */
    private void declare(Line line, io.rhizome.spi.namespace.NamespaceDefinition d, int written) throws Stopped {
        try {
            sync.declare(d);
        } catch (SyncException e) {
            throw new Stopped(line, written, e);
        }
        namespaces.remove(d.name());
    }

    private boolean known(Line line) {
        return namespace(line.namespace()).isPresent() || line.type().isEmpty();
    }

    /**
     * An entity line of a namespace nobody declared, with a type (an export older than declaration
     * lines): the namespace is declared with that type, rather than auto-created as the default.
     */
    private void declareUndeclared(Line line, int written) throws Stopped {
        if (!known(line)) {
            try {
                declare(line, io.rhizome.spi.namespace.NamespaceDefinition.of(line.namespace(), line.type().get()), written);
            } catch (IllegalArgumentException e) {
                throw new Stopped(line, written, new SyncException(SyncException.Reason.INVALID_VALUE, e.getMessage()));
            }
        }
    }

    private List<JsonNode> plan(Line line) {
        NamespaceInfo ns = namespace(line.namespace()).orElse(null);
        String type = ns != null ? ns.crdtType() : line.type().orElse("lww-register");
        if (line.type().isPresent() && ns != null && !line.type().get().equals(ns.crdtType())) {
            throw new SyncException(SyncException.Reason.WRONG_OPERATION, "the line says type '" + line.type().get() + "' but namespace '"
                    + line.namespace() + "' is a " + ns.crdtType());
        }
        JsonNode current = sync.get(line.namespace(), line.key()).orElse(NullNode.getInstance());
        return intents(type, current, line.value());
    }

    void write(Line line) {
        List<JsonNode> intents = plan(line);
        if (intents.isEmpty()) {
            return;
        }
        sync.transaction(tx -> {
            for (JsonNode intent : intents) {
                tx.mutate(line.namespace(), line.key(), intent);
            }
            return null;
        });
    }

    static List<JsonNode> intents(String type, JsonNode current, JsonNode desired) {
        List<JsonNode> out = new ArrayList<>();
        switch (type) {
            case "lww-register" -> {
                if (!current.equals(desired)) {
                    out.add(op("set").set("value", desired));
                }
            }
            case "mv-register" -> {
                JsonNode v = desired.isArray() && desired.size() == 1 ? desired.get(0) : desired.isArray() && desired.isEmpty() ? NullNode.getInstance() : desired;
                if (!current.equals(desired)) {
                    out.add(op("set").set("value", v));
                }
            }
            case "g-counter", "pn-counter" -> {
                requireNumber(desired, type);
                long delta = desired.asLong() - (current.isNumber() ? current.asLong() : 0);
                if (delta < 0 && type.equals("g-counter")) {
                    throw invalid("a g-counter cannot decrease (it holds " + current.asLong() + ", the line says " + desired.asLong() + ")");
                }
                if (delta != 0) {
                    out.add(op(delta > 0 ? "increment" : "decrement").put("by", Math.abs(delta)));
                }
            }
            case "g-set", "or-set" -> {
                requireArray(desired, type);
                Set<JsonNode> want = new LinkedHashSet<>();
                desired.forEach(want::add);
                Set<JsonNode> have = new LinkedHashSet<>();
                if (current.isArray()) {
                    current.forEach(have::add);
                }
                for (JsonNode e : want) {
                    if (!have.contains(e)) {
                        out.add(op("add").set("value", e));
                    }
                }
                for (JsonNode e : have) {
                    if (!want.contains(e)) {
                        if (type.equals("g-set")) {
                            throw invalid("a g-set cannot remove " + e);
                        }
                        out.add(op("remove").set("value", e));
                    }
                }
            }
            case "lww-map" -> {
                if (!desired.isObject()) {
                    throw invalid("an lww-map value must be a JSON object");
                }
                for (Iterator<Map.Entry<String, JsonNode>> it = desired.fields(); it.hasNext();) {
                    Map.Entry<String, JsonNode> f = it.next();
                    if (!f.getValue().equals(current.get(f.getKey()))) {
                        out.add(op("set").put("key", f.getKey()).set("value", f.getValue()));
                    }
                }
                if (current.isObject()) {
                    for (Iterator<String> it = current.fieldNames(); it.hasNext();) {
                        String k = it.next();
                        if (!desired.has(k)) {
                            out.add(op("remove").put("key", k));
                        }
                    }
                }
            }
            case "list", "text" -> {
                boolean text = type.equals("text");
                if (text ? !desired.isTextual() : !desired.isArray()) {
                    throw invalid("a " + type + " value must be a JSON " + (text ? "string" : "array"));
                }
                if (!current.equals(desired)) {
                    int size = text ? (current.isTextual() ? current.asText().codePointCount(0, current.asText().length()) : 0)
                            : current.size();
                    if (size > 0) {
                        out.add(op("delete").put("index", 0).put("count", size));
                    }
                    if (text) {
                        insertText(out, desired.asText());
                    } else {
                        insertValues(out, desired);
                    }
                }
            }
            default -> throw new SyncException(SyncException.Reason.WRONG_OPERATION, "import cannot write entities of type '" + type
                    + "' (or-map and third-party types: their export does not carry the nested types)");
        }
        return out;
    }

    /**
     * Characters per text insert: a text may have grown past the 1 MiB a single write may carry
     * (by many writes), so it is re-inserted in pieces that each fit (at most 6 bytes a character).
     */
    static final int TEXT_CHUNK = 128 * 1024;
    /** Budget per list insert, counted as 3 bytes per character of each element's JSON text. */
    static final int VALUES_CHUNK_BYTES = 512 * 1024;

    private static void insertText(List<JsonNode> out, String text) {
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
    }

    private static void insertValues(List<JsonNode> out, JsonNode values) {
        int index = 0;
        com.fasterxml.jackson.databind.node.ArrayNode chunk = F.arrayNode();
        long budget = 0;
        for (JsonNode v : values) {
            long size = 3L * v.toString().length();
            if (!chunk.isEmpty() && budget + size > VALUES_CHUNK_BYTES) {
                out.add(op("insert").put("index", index).set("values", chunk));
                index += chunk.size();
                chunk = F.arrayNode();
                budget = 0;
            }
            chunk.add(v);
            budget += size;
        }
        if (!chunk.isEmpty()) {
            out.add(op("insert").put("index", index).set("values", chunk));
        }
    }

    private static ObjectNode op(String name) {
        ObjectNode n = F.objectNode();
        n.put("op", name);
        return n;
    }

    private static void requireNumber(JsonNode v, String type) {
        if (!v.isIntegralNumber()) {
            throw invalid("a " + type + " value must be an integer");
        }
    }

    private static void requireArray(JsonNode v, String type) {
        if (!v.isArray()) {
            throw invalid("a " + type + " value must be a JSON array");
        }
    }

    private static SyncException invalid(String message) {
        return new SyncException(SyncException.Reason.INVALID_VALUE, message);
    }
}

package io.rhizome.rest.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.api.NamespaceInfo;
import io.rhizome.api.SyncService;

/**
 * Writes an export as JSON lines {@code {"namespace","key","type","value"}}, the value in its type's
 * export form ({@code SyncService.exportValue}, what an import reads back). An entity that cannot
 * be read or written becomes an {@code {"error":"unexportable",...}} line rather than a gap, so the
 * reader knows the export is incomplete and what is missing.
 */
final class Exporter {

    private final SyncService sync;
    private final ObjectMapper json;

    Exporter(SyncService sync, ObjectMapper json) {
        this.sync = sync;
        this.json = json;
    }

    /**
     * Writes the declaration lines first ({@code {"declaration":{...}}}, one per available
     * namespace, so an import declares a namespace before writing its values), then one line per
     * entity of the available namespaces, in order. Readers that know only entity lines can skip
     * lines without a "namespace". The keys of every namespace are listed before the first entity
     * line, so the operation record knows its total; with {@code progress} the answer also carries
     * {@code {"progress":…}} lines (the CLI takes them out of the file it writes).
     */
    void write(OutputStream out, List<NamespaceInfo> namespaces, Operation op, boolean progress) throws IOException {
        CountingOut counted = new CountingOut(out);
        OperationLines lines = progress ? new OperationLines(json, counted, op) : null;
        List<NamespaceInfo> available = namespaces.stream().filter(NamespaceInfo::available).toList();
        for (NamespaceInfo n : available) {
            ObjectNode line = json.createObjectNode();
            line.set("declaration", NamespaceAdmin.toJson(new io.rhizome.spi.namespace.NamespaceDefinition(n.name(), n.crdtType(),
                    n.scope(), n.aclClass())));
            counted.write(json.writeValueAsBytes(line));
            counted.write('\n');
        }
        Map<String, List<String>> keys = new LinkedHashMap<>();
        long total = 0;
        for (NamespaceInfo n : available) {
            try {
                List<String> k = sync.keys(n.name());
                keys.put(n.name(), k);
                total += k.size();
            } catch (RuntimeException e) {
                counted.write(exportError(n.name(), null, e));
                counted.write('\n');
            }
        }
        op.phase("writing", "entities", total);
        if (lines != null) {
            lines.now();
        }
        long done = 0;
        for (NamespaceInfo n : available) {
            for (String key : keys.getOrDefault(n.name(), List.of())) {
                byte[] line;
                try {
                    Optional<JsonNode> v = sync.exportValue(n.name(), key);
                    line = v.isEmpty() ? null : entityLine(n, key, v.get());
                } catch (IOException | RuntimeException e) {
                    line = exportError(n.name(), key, e);
                }
                if (line != null) {
                    counted.write(line);
                    counted.write('\n');
                }
                op.advance(++done, counted.count);
                if (lines != null) {
                    lines.maybe();
                }
            }
        }
        op.totalBytes(counted.count);
        if (lines != null) {
            lines.now();
        }
        counted.flush();
    }

    private byte[] entityLine(NamespaceInfo n, String key, JsonNode value) throws IOException {
        ObjectNode o = json.createObjectNode();
        o.put("namespace", n.name());
        o.put("key", key);
        o.put("type", n.crdtType());
        o.set("value", value);
        return json.writeValueAsBytes(o);
    }

    /** The export's own bytes (progress lines are counted too; they are small next to the entities). */
    private static final class CountingOut extends java.io.FilterOutputStream {
        long count;

        CountingOut(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }

    /**
     * An export line for an entity that cannot be written: the export goes on, and the line tells
     * the reader (the CLI exits non-zero with it) what is missing instead of leaving it out silently.
     */
    private byte[] exportError(String ns, String key, Exception e) throws IOException {
        ObjectNode o = json.createObjectNode();
        o.put("error", "unexportable");
        o.put("namespace", ns);
        if (key != null) {
            o.put("key", RestResponse.wellFormed(key)); // data from before the Unicode check may hold a lone surrogate
        }
        o.put("message", RestResponse.wellFormed("cannot export " + ns + (key == null ? "" : "/" + key) + ": " + DataResources.oneLine(e)));
        return json.writeValueAsBytes(o);
    }
}

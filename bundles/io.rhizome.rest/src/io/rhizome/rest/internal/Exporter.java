package io.rhizome.rest.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
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
     * lines without a "namespace".
     */
    void write(OutputStream out, List<NamespaceInfo> namespaces) throws IOException {
        for (NamespaceInfo n : namespaces) {
            if (!n.available()) {
                continue;
            }
            ObjectNode line = json.createObjectNode();
            line.set("declaration", NamespaceAdmin.toJson(new io.rhizome.spi.namespace.NamespaceDefinition(n.name(), n.crdtType(),
                    n.scope(), n.aclClass())));
            out.write(json.writeValueAsBytes(line));
            out.write('\n');
        }
        for (NamespaceInfo n : namespaces) {
            if (!n.available()) {
                continue;
            }
            List<String> keys;
            try {
                keys = sync.keys(n.name());
            } catch (RuntimeException e) {
                out.write(exportError(n.name(), null, e));
                out.write('\n');
                continue;
            }
            for (String key : keys) {
                byte[] line;
                try {
                    Optional<JsonNode> v = sync.exportValue(n.name(), key);
                    if (v.isEmpty()) {
                        continue;
                    }
                    ObjectNode o = json.createObjectNode();
                    o.put("namespace", n.name());
                    o.put("key", key);
                    o.put("type", n.crdtType());
                    o.set("value", v.get());
                    line = json.writeValueAsBytes(o);
                } catch (IOException | RuntimeException e) {
                    line = exportError(n.name(), key, e);
                }
                out.write(line);
                out.write('\n');
            }
        }
        out.flush();
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

package io.rhizome.rest.internal;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.api.NamespaceInfo;
import io.rhizome.api.SyncService;

/**
 * {@code GET /v1/export} and {@code POST /v1/import}, each recorded as an {@link Operation} while it
 * runs (seen in status by any client) and, with {@code ?progress=true}, telling its progress in its
 * own answer as {@code {"progress":…}} lines.
 */
final class ImportExport {

    private final SyncService sync;
    private final ObjectMapper json;
    private final Operations operations;

    ImportExport(SyncService sync, ObjectMapper json, Operations operations) {
        this.sync = sync;
        this.json = json;
        this.operations = operations;
    }

    RestResponse export(List<String> requested, boolean progress) {
        List<NamespaceInfo> all = sync.namespaces();
        List<NamespaceInfo> chosen = new ArrayList<>();
        for (String name : requested) {
            NamespaceInfo n = all.stream().filter(i -> i.name().equals(name)).findFirst().orElse(null);
            if (n == null) {
                return RestResponse.error(404, "unknown_namespace", "unknown namespace '" + name + "'");
            }
            chosen.add(n);
        }
        List<NamespaceInfo> namespaces = requested.isEmpty() ? all : chosen;
        return RestResponse.stream("application/x-ndjson", out -> {
            Operation op = operations.start("export");
            try {
                new Exporter(sync, json).write(out, namespaces, op, progress);
                op.finish(Optional.empty());
            } catch (IOException | RuntimeException e) {
                op.finish(Optional.of(DataResources.oneLine(e)));
                throw e;
            }
        });
    }

    /**
     * The import as a stream of progress lines ({@code {"progress":…}}) and then one
     * {@code {"result":{"imported":N}}} or {@code {"error":{"status","error","message"}}} line: the
     * same checks and the same answer as without progress, only told as it goes.
     */
    RestResponse importWithProgress(byte[] body) {
        return RestResponse.stream("application/x-ndjson", out -> {
            Operation op = operations.start("import");
            OperationLines lines = new OperationLines(json, out, op);
            RestResponse r;
            try {
                r = importLines(body, op, lines::maybe);
            } catch (io.rhizome.api.SyncException e) {
                r = SyncErrors.of(e);
            } catch (RuntimeException e) {
                // the answer's status line is sent already: the failure goes into the last line, as the router would say it
                r = RestResponse.error(500, "internal", "the node failed on this import (" + DataResources.oneLine(e)
                        + "); whether it was stored is unknown: read the values back before importing again");
            }
            lines.now();
            ObjectNode last = json.createObjectNode();
            if (r.status() < 300) {
                last.set("result", r.body());
            } else {
                ObjectNode e = last.putObject("error");
                e.put("status", r.status());
                e.setAll((ObjectNode) r.body());
            }
            lines.line(last);
        });
    }

    RestResponse importLines(byte[] body) {
        return importLines(body, operations.start("import"), () -> { });
    }

    private RestResponse importLines(byte[] body, Operation op, Runnable tick) {
        RestResponse r;
        try {
            r = importLinesRecorded(body, op, tick);
        } catch (RuntimeException e) {
            op.finish(Optional.of(DataResources.oneLine(e)));
            throw e;
        }
        op.finish(r.status() < 300 ? Optional.empty() : Optional.of(r.body().path("message").asText()));
        return r;
    }

    private RestResponse importLinesRecorded(byte[] body, Operation op, Runnable tick) {
        List<Importer.Line> lines = new ArrayList<>();
        // bytesThrough[n]: bytes of the body up to the end of text line n, for the record's "bytes"
        long[] bytesThrough = new long[16];
        op.phase("reading", "bytes", body.length).totalBytes(body.length);
        tick.run();
        // A strict decoder (REPORT, not replace): a byte that is not UTF-8 refuses the import instead of
        // importing U+FFFD in its place.
        int number = 0;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(new ByteArrayInputStream(body), StandardCharsets.UTF_8.newDecoder()))) {
            String text;
            long read = 0;
            while ((text = reader.readLine()) != null) {
                number++;
                read = Math.min(body.length, read + utf8Length(text) + 1);
                if (number >= bytesThrough.length) {
                    bytesThrough = Arrays.copyOf(bytesThrough, bytesThrough.length * 2);
                }
                bytesThrough[number] = read;
                if (number % Importer.CHUNK == 0) {
                    op.advance(read, read);
                    tick.run();
                }
                if (text.isBlank()) {
                    continue;
                }
                Optional<String> problem = Optional.empty();
                JsonNode node = null;
                try {
                    node = json.readTree(text);
                } catch (JsonProcessingException e) {
                    problem = Optional.of("not valid JSON: " + DataResources.oneLine(e));
                }
                if (problem.isEmpty() && node.isObject() && node.has("declaration") && !node.has("namespace")) {
                    try {
                        lines.add(new Importer.Line(number, NamespaceAdmin.parse(node.get("declaration"))));
                        continue;
                    } catch (IllegalArgumentException e) {
                        problem = Optional.of("declaration: " + e.getMessage());
                    }
                }
                if (problem.isEmpty()) {
                    problem = lineProblem(node);
                }
                if (problem.isPresent()) {
                    // An import is one batch: a file with a bad line writes nothing, so it can be fixed and run again.
                    return RestResponse.error(400, "malformed_line", "line " + number + ": " + problem.get()
                            + "; nothing was imported (fix the line and import the file again)");
                }
                lines.add(new Importer.Line(number, node.get("namespace").asText(), node.get("key").asText(),
                        node.path("type").isTextual() ? Optional.of(node.get("type").asText()) : Optional.empty(), node.get("value")));
            }
        } catch (java.nio.charset.CharacterCodingException e) {
            return RestResponse.error(400, "malformed_line", "the file is not valid UTF-8 text at or after line " + (number + 1) + "; nothing was imported"
                    + " (an export is UTF-8: convert the file to UTF-8 and import it again)");
        } catch (IOException e) {
            return RestResponse.error(400, "unreadable", "cannot read the request body: " + e.getMessage());
        }
        op.advance(body.length, body.length);
        long[] through = bytesThrough;
        Importer importer = new Importer(sync).watchedBy(op, n -> through[n], tick);
        int written;
        try {
            written = importer.writeAll(lines);
        } catch (Importer.Stopped stop) {
            RestResponse r = SyncErrors.of(stop.cause);
            return RestResponse.error(r.status(), "import_stopped", "line " + stop.line.number() + " (" + stop.line.namespace() + "/"
                    + stop.line.key() + "): " + stop.cause.getMessage() + (stop.written == 0 ? "; nothing was imported"
                            : "; nothing from this line on was imported (" + stop.written + " line(s) before it were)"));
        }
        ObjectNode ok = json.createObjectNode();
        ok.put("imported", written);
        return RestResponse.ok(ok);
    }

    private static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c)) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    private static Optional<String> lineProblem(JsonNode node) {
        if (node == null || !node.isObject()) {
            return Optional.of("expected a JSON object with namespace, key and value");
        }
        if (node.path("error").isTextual()) {
            return Optional.of("this line records an export failure, not an entity (" + node.path("message").asText() + ")");
        }
        if (!node.path("namespace").isTextual() || node.get("namespace").asText().isEmpty()) {
            return Optional.of("\"namespace\" must be a non-empty string");
        }
        if (!node.path("key").isTextual() || node.get("key").asText().isEmpty()) {
            return Optional.of("\"key\" must be a non-empty string");
        }
        if (!node.has("value")) {
            return Optional.of("\"value\" is missing");
        }
        if (node.has("type") && !node.get("type").isTextual()) {
            return Optional.of("\"type\" must be a string");
        }
        return Optional.empty();
    }
}

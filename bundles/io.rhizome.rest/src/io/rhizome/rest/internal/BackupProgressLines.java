package io.rhizome.rest.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.api.BackupService;

/**
 * A backup's or restore's progress as JSON lines {@code {"progress":{"records","totalRecords",
 * "bytes","chunks","totalChunks","totalBytes","elapsedMillis","etaMillis"}}}, at most one line per
 * {@link #EVERY_MILLIS} (the service tells of every record), so a client draws a bar from them.
 * The ETA comes from the share of records done; it is absent until there is a rate to go by.
 */
final class BackupProgressLines implements BackupService.Progress {

    static final long EVERY_MILLIS = 200;

    private final ObjectMapper json;
    private final OutputStream out;
    private final long started = System.nanoTime();
    private long lastLine;
    private long records;
    private long totalRecords = -1;
    private long bytes;
    private int chunks;
    private int totalChunks = -1;
    private long totalBytes = -1;

    BackupProgressLines(ObjectMapper json, OutputStream out) {
        this.json = json;
        this.out = out;
    }

    @Override
    public void chunk(long bytesSoFar, int chunksSoFar, int total) {
        bytes = bytesSoFar;
        chunks = chunksSoFar;
        totalChunks = total;
        maybeWrite();
    }

    @Override
    public void records(long soFar, long total) {
        records = soFar;
        totalRecords = total;
        maybeWrite();
    }

    @Override
    public void totals(int chunkCount, long byteCount) {
        totalChunks = chunkCount;
        totalBytes = byteCount;
        write();
    }

    /** A last progress line, so that a bar ends at what was done. */
    void finish() {
        write();
    }

    private void maybeWrite() {
        long now = System.nanoTime();
        if (now - lastLine >= EVERY_MILLIS * 1_000_000L) {
            write();
        }
    }

    private void write() {
        lastLine = System.nanoTime();
        long elapsed = (lastLine - started) / 1_000_000L;
        ObjectNode root = json.createObjectNode();
        ObjectNode p = root.putObject("progress");
        p.put("records", records);
        p.put("totalRecords", totalRecords);
        p.put("bytes", bytes);
        p.put("chunks", chunks);
        p.put("totalChunks", totalChunks);
        p.put("totalBytes", totalBytes);
        p.put("elapsedMillis", elapsed);
        Eta.millis(elapsed, records, totalRecords).ifPresent(eta -> p.put("etaMillis", eta));
        try {
            out.write((json.writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            // The client went away: the backup goes on (stopping it half-way gains nothing).
            lastLine = Long.MAX_VALUE / 2;
        }
    }
}

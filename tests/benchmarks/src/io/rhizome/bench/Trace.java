package io.rhizome.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** An editing trace (josephg/editing-traces format): patches {@code [pos, deleted, inserted]} in order. */
record Trace(String name, String startContent, String endContent, int[] positions, int[] deletes, String[] inserts) {

    static Trace load(Path file) throws IOException {
        JsonNode root;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            root = new ObjectMapper().readTree(in);
        }
        List<JsonNode> patches = new ArrayList<>();
        for (JsonNode txn : root.get("txns")) {
            txn.get("patches").forEach(patches::add);
        }
        int n = patches.size();
        int[] pos = new int[n];
        int[] del = new int[n];
        String[] ins = new String[n];
        for (int i = 0; i < n; i++) {
            JsonNode p = patches.get(i);
            pos[i] = p.get(0).intValue();
            del[i] = p.get(1).intValue();
            ins[i] = p.get(2).textValue();
        }
        return new Trace(file.getFileName().toString(), root.get("startContent").textValue(),
                root.get("endContent").textValue(), pos, del, ins);
    }

    int size() {
        return positions.length;
    }
}

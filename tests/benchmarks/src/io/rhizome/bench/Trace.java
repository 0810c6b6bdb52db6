package io.rhizome.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

/**
 * An editing trace (josephg/editing-traces format): patches {@code [pos, deleted, inserted]} in order.
 * Read with the streaming parser so that the harness itself stays small next to the document.
 */
record Trace(String name, String startContent, String endContent, int[] positions, int[] deletes, String[] inserts) {

    static Trace load(Path file) throws IOException {
        String start = "";
        String end = null;
        List<int[]> nums = new ArrayList<>();
        List<String> ins = new ArrayList<>();
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file));
             JsonParser p = new JsonFactory().createParser(in)) {
            expect(p.nextToken(), JsonToken.START_OBJECT);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "startContent" -> start = p.getText();
                    case "endContent" -> end = p.getText();
                    case "txns" -> {
                        expect(p.currentToken(), JsonToken.START_ARRAY);
                        while (p.nextToken() == JsonToken.START_OBJECT) {
                            while (p.nextToken() == JsonToken.FIELD_NAME) {
                                String f = p.currentName();
                                p.nextToken();
                                if (f.equals("patches")) {
                                    while (p.nextToken() == JsonToken.START_ARRAY) {
                                        p.nextToken();
                                        int pos = p.getIntValue();
                                        p.nextToken();
                                        int del = p.getIntValue();
                                        p.nextToken();
                                        ins.add(p.getText());
                                        nums.add(new int[] {pos, del});
                                        expect(p.nextToken(), JsonToken.END_ARRAY);
                                    }
                                } else {
                                    p.skipChildren();
                                }
                            }
                        }
                    }
                    default -> p.skipChildren();
                }
            }
        }
        int n = nums.size();
        int[] pos = new int[n];
        int[] del = new int[n];
        for (int i = 0; i < n; i++) {
            pos[i] = nums.get(i)[0];
            del[i] = nums.get(i)[1];
        }
        return new Trace(file.getFileName().toString(), start, end, pos, del, ins.toArray(new String[0]));
    }

    private static void expect(JsonToken got, JsonToken want) throws IOException {
        if (got != want) {
            throw new IOException("unexpected " + got + " in trace, expected " + want);
        }
    }

    int size() {
        return positions.length;
    }
}

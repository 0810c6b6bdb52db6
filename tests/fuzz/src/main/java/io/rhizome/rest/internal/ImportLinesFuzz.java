package io.rhizome.rest.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.rhizome.fuzz.Target;

/**
 * Import files ({@code rhizome import FILE}, which sends the file as it is to
 * {@code POST /v1/import}): the input is the NDJSON body, parsed line by line by
 * {@link ImportExport} (entities and namespace declarations) and written by {@link Importer}, on the
 * real router and engine of {@link RestBodyFuzz}, under its contract (an answer, never a 500, and a
 * refused import changes nothing). Seeds: what the node's own exporter writes, whole and line by line.
 */
public final class ImportLinesFuzz implements Target {

    public static void fuzzerInitialize() throws Exception {
        RestBodyFuzz.fuzzerInitialize();
    }

    public static void fuzzerTestOneInput(byte[] input) throws Exception {
        byte[] request = new byte[input.length + 2];
        request[0] = 2; // RestBodyFuzz's route: POST /v1/import
        System.arraycopy(input, 0, request, 2, input.length);
        RestBodyFuzz.fuzzerTestOneInput(request);
    }

    @Override
    public List<byte[]> seeds() throws Exception {
        byte[] export = RestBodyFuzz.export();
        List<byte[]> out = new ArrayList<>();
        out.add(export);
        for (String line : new String(export, StandardCharsets.UTF_8).split("\n")) {
            out.add((line + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }
}

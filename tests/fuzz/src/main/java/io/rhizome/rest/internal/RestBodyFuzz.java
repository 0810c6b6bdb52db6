package io.rhizome.rest.internal;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.rhizome.api.NamespaceInfo;
import io.rhizome.api.SyncService;
import io.rhizome.conformance.MemoryReplicaStore;
import io.rhizome.core.internal.engine.ChangeSetSealer;
import io.rhizome.core.internal.engine.NamespaceCatalog;
import io.rhizome.core.internal.engine.SyncEngine;
import io.rhizome.core.internal.service.Node;
import io.rhizome.crdt.internal.CrdtFuzzTypes;
import io.rhizome.fuzz.Contract;
import io.rhizome.fuzz.Target;
import io.rhizome.spi.namespace.NamespaceDefinition;
import io.rhizome.spi.namespace.SyncScope;
import io.rhizome.spi.policy.SyncPolicy;

/**
 * REST request bodies and import lines, through the real {@link RestRouter} onto a real engine
 * (in-memory store, the built-in CRDT types). The first input byte picks the request: 0,
 * {@code PUT /v1/ns/NS/KEY} (a value); 1, {@code POST /v1/ns/NS/KEY} (an intent); 2,
 * {@code POST /v1/import} (NDJSON lines); the second picks the namespace (one of each type) and the
 * key; the rest is the body. The contract: an answer, never a 500 (the router's answer to an
 * exception it did not expect) and never an exception out of {@code handle}; and an answer of 400 or
 * more changes nothing (every namespace, key and exported value as before).
 */
public final class RestBodyFuzz implements Target {

    private static final String KEY = "fuzz-key";
    private static final List<String> NAMESPACES = List.of("reg", "counter", "pn", "gset", "orset", "mv", "lmap", "omap", "list", "doc");
    private static final List<String> TYPES = List.of("lww-register", "g-counter", "pn-counter", "g-set", "or-set", "mv-register",
            "lww-map", "or-map", "list", "text");
    private static final String[] ROUTES = { "PUT", "POST", "import" };
    private static final Contract CONTRACT = new Contract(32L << 20, 4096);
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private static Node node;
    private static RestRouter router;
    private static Map<String, Map<String, JsonNode>> before;
    private static int accepted;
    /**
     * Accepted requests before a fresh node: the bound is about what an input makes a node do, and
     * some of the node's work per request grows with what earlier accepted inputs left in it. The
     * first finding of this kind was a defect, not the harness: an ordinary 1,550-byte import into
     * a node that earlier inputs had given a few hundred namespaces allocated 42.9 MB, because every
     * declaration read every declared namespace again (CI, seed 1, 2026-12-03; fixed, see
     * {@code ManyNamespacesTest}).
     */
    private static final int MAX_ACCEPTED = 300;

    public static void fuzzerInitialize() throws Exception {
        if (node != null) {
            node.close();
        }
        NamespaceCatalog catalog = new NamespaceCatalog();
        catalog.defaults(new NamespaceCatalog.Defaults(true, "lww-register", SyncScope.FULL));
        List<NamespaceDefinition> defs = new ArrayList<>();
        for (int i = 0; i < NAMESPACES.size(); i++) {
            defs.add(NamespaceDefinition.of(NAMESPACES.get(i), TYPES.get(i)));
        }
        catalog.putSource("fuzz", 0, defs);
        SyncPolicy allowAll = new SyncPolicy() {
            @Override
            public Decision canSend(String peerId, String namespace) {
                return Decision.ALLOW;
            }

            @Override
            public Decision canReceive(String peerId, String namespace, String author) {
                return Decision.ALLOW;
            }
        };
        node = new Node(new Node.Parts("device-fuzz", new MemoryReplicaStore(), CrdtFuzzTypes.LOOKUP, catalog, () -> ChangeSetSealer.PLAIN,
                () -> Optional.of(allowAll), 300_000, SyncEngine.Config.DEFAULT)).start();
        SyncService sync = node.service();
        sync.put("reg", KEY, JSON.readTree("{\"a\":1}"));
        sync.increment("counter", KEY, 3);
        sync.insertText("doc", KEY, 0, "hello");
        router = new RestRouter(ApiKey.of("fuzz-api-key"), new NodeInfo("0.1.0", Path.of("/nonexistent"), Instant.EPOCH, 1),
                Optional::empty, () -> Optional.of(sync), Optional::empty, JSON);
        before = snapshot(sync);
        accepted = 0;
    }

    public static void fuzzerTestOneInput(byte[] input) throws Exception {
        if (node == null || accepted > MAX_ACCEPTED) {
            fuzzerInitialize(); // a fresh node now and then, so that what accepted writes added stays small
        }
        if (input.length < 2) {
            return;
        }
        String route = ROUTES[(input[0] & 0xFF) % ROUTES.length];
        String ns = NAMESPACES.get((input[1] & 0xFF) % NAMESPACES.size());
        String key = (input[1] & 0x80) != 0 ? KEY : "k" + (input[1] & 0x3);
        byte[] body = Arrays.copyOfRange(input, 2, input.length);
        RestRequest request = route.equals("import")
                ? new RestRequest("POST", "/v1/import", Map.of(), Optional.of("fuzz-api-key"), body)
                : new RestRequest(route, "/v1/ns/" + ns + "/" + key, Map.of(), Optional.of("fuzz-api-key"), body);
        RestResponse[] response = new RestResponse[1];
        try {
            CONTRACT.check(body, () -> response[0] = router.handle(request));
        } catch (Throwable t) {
            // This input is a finding; the next one (libFuzzer keeps going) must be judged against
            // the node as this one left it, not against the snapshot before it.
            before = snapshot(node.service());
            throw t;
        }
        int status = response[0].status();
        if (status == 500) {
            throw new Contract.Violation(route + " answered 500: " + response[0].body());
        }
        Map<String, Map<String, JsonNode>> after = snapshot(node.service());
        if (status >= 400) {
            Contract.unchanged("the node's data (answer " + status + ": " + response[0].body() + ")", before, after);
        } else {
            accepted++;
        }
        before = after;
    }

    /**
     * What the node's own exporter writes ({@code GET /v1/export}, NDJSON) once every seed request
     * ran: the seeds of the import target.
     */
    static byte[] export() throws Exception {
        fuzzerInitialize();
        for (byte[] seed : new RestBodyFuzz().seeds()) {
            fuzzerTestOneInput(seed);
        }
        RestResponse r = router.handle(new RestRequest("GET", "/v1/export", Map.of(), Optional.of("fuzz-api-key"), new byte[0]));
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        r.stream().write(out);
        return out.toByteArray();
    }

    private static Map<String, Map<String, JsonNode>> snapshot(SyncService sync) {
        Map<String, Map<String, JsonNode>> out = new LinkedHashMap<>();
        for (NamespaceInfo n : sync.namespaces()) {
            Map<String, JsonNode> values = new LinkedHashMap<>();
            for (String k : sync.keys(n.name())) {
                values.put(k, sync.exportValue(n.name(), k).orElse(null));
            }
            out.put(n.name() + ":" + n.crdtType(), values);
        }
        return out;
    }

    @Override
    public List<byte[]> seeds() {
        List<byte[]> out = new ArrayList<>();
        out.add(request(0, 0, "{\"title\":\"x\",\"n\":[1,2]}"));
        out.add(request(1, 1, "{\"op\":\"increment\",\"by\":2}"));
        out.add(request(1, 2, "{\"op\":\"decrement\",\"by\":1}"));
        out.add(request(1, 4, "{\"op\":\"add\",\"value\":\"a\"}"));
        out.add(request(1, 6, "{\"op\":\"update\",\"key\":\"f\",\"type\":\"pn-counter\",\"intent\":{\"op\":\"increment\",\"by\":1}}"));
        out.add(request(1, 8, "{\"op\":\"insert\",\"index\":0,\"values\":[1,\"b\"]}"));
        out.add(request(1, 9 | 0x80, "{\"op\":\"delete\",\"index\":1,\"count\":2}"));
        out.add(request(2, 0, "{\"namespace\":\"reg\",\"key\":\"a\",\"value\":{\"x\":1}}\n"
                + "{\"namespace\":\"counter\",\"key\":\"c\",\"type\":\"g-counter\",\"value\":5}\n"
                + "{\"namespace\":\"doc\",\"key\":\"t\",\"type\":\"text\",\"value\":\"hi\"}\n"
                + "{\"declaration\":{\"name\":\"newns\",\"crdtType\":\"or-set\"}}\n"));
        return out;
    }

    private static byte[] request(int route, int nsAndKey, String body) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[b.length + 2];
        out[0] = (byte) route;
        out[1] = (byte) nsAndKey;
        System.arraycopy(b, 0, out, 2, b.length);
        return out;
    }
}

package io.rhizome.core.tests.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import io.rhizome.api.SyncException;
import io.rhizome.api.SyncService;
import io.rhizome.core.internal.service.ValueLimits;

/**
 * The write limits, through the host's {@link SyncService} on real engines: what is refused is
 * refused before anything is written, and what is accepted at the limits reaches a peer and a
 * restarted writer unchanged.
 */
class ValueLimitsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private Mesh mesh;

    @BeforeEach
    void setUp() throws Exception {
        mesh = new Mesh();
    }

    @AfterEach
    void tearDown() {
        mesh.close();
    }

    /** An array nesting {@code depth} levels, with a string at the bottom. */
    static JsonNode nested(int depth) {
        JsonNode v = TextNode.valueOf("bottom");
        for (int i = 0; i < depth; i++) {
            ArrayNode a = F.arrayNode();
            a.add(v);
            v = a;
        }
        return v;
    }

    /** A string whose JSON text is exactly {@code bytes} bytes (two quotes included). */
    static JsonNode stringOfJsonSize(int bytes) {
        return TextNode.valueOf("x".repeat(bytes - 2));
    }

    private static SyncException.Reason refusal(Runnable write) {
        return assertThrows(SyncException.class, write::run).reason();
    }

    @Test
    void theLimitsStayInsideJacksonsDefaultsWithRoomForTheWrapping() {
        StreamReadConstraints read = StreamReadConstraints.defaults();
        // an export line wraps a value in one object, a REST intent in one object and one array
        assertTrue(ValueLimits.MAX_DEPTH + 2 < read.getMaxNestingDepth(), "read depth " + read.getMaxNestingDepth());
        assertTrue(ValueLimits.MAX_DEPTH + 2 < StreamWriteConstraints.defaults().getMaxNestingDepth());
        assertTrue(ValueLimits.MAX_VALUE_BYTES < read.getMaxStringLength(), "a 1 MiB string reads back");
        assertTrue(read.getMaxNumberLength() >= 1000 && read.getMaxNameLength() >= 50_000);
    }

    @Test
    void refusalsNameTheProblemAndWriteNothing() throws Exception {
        SyncService a = mesh.start("A").service();
        long before = mesh.node("A").engine().localChangeSetCount();

        assertEquals(SyncException.Reason.INVALID_VALUE, refusal(() -> a.put("reg", "k", TextNode.valueOf("\ud800x"))));
        assertEquals(SyncException.Reason.INVALID_VALUE, refusal(() -> a.put("reg", "k", TextNode.valueOf("x\udc00"))));
        ObjectNode badName = F.objectNode();
        badName.put("\ud83d", 1);
        assertEquals(SyncException.Reason.INVALID_VALUE, refusal(() -> a.put("reg", "k", badName)));
        assertEquals(SyncException.Reason.INVALID_VALUE, refusal(() -> a.put("reg", "k\ud800", IntNode.valueOf(1))));
        assertEquals(SyncException.Reason.INVALID_VALUE, refusal(() -> a.put("fresh\udfff", "k", IntNode.valueOf(1))));
        assertEquals(SyncException.Reason.INVALID_VALUE, refusal(() -> a.put("reg", "", IntNode.valueOf(1))));
        for (String name : List.of("UPPER", "white space", "reg|x", "")) {
            SyncException e = assertThrows(SyncException.class, () -> a.put(name, "k", IntNode.valueOf(1)));
            assertEquals(SyncException.Reason.INVALID_VALUE, e.reason(), name);
            assertTrue(e.getMessage().contains("invalid namespace name"), e.getMessage());
            assertEquals(SyncException.Reason.INVALID_VALUE, refusal(() -> a.get(name, "k")), "get " + name);
            assertEquals(SyncException.Reason.INVALID_VALUE, refusal(() -> a.keys(name)), "keys " + name);
            assertEquals(SyncException.Reason.INVALID_VALUE, refusal(() -> a.delete(name, "k")), "delete " + name);
        }
        assertEquals(SyncException.Reason.VALUE_TOO_LARGE, refusal(() -> a.put("reg", "k".repeat(ValueLimits.MAX_NAME_BYTES + 1),
                IntNode.valueOf(1))));

        SyncException deep = assertThrows(SyncException.class, () -> a.put("reg", "k", nested(ValueLimits.MAX_DEPTH + 1)));
        assertEquals(SyncException.Reason.INVALID_VALUE, deep.reason());
        assertTrue(deep.getMessage().contains("64 levels"), deep.getMessage());
        assertEquals(SyncException.Reason.INVALID_VALUE, refusal(() -> a.put("reg", "k", nested(100_000))), "no stack overflow");
        assertEquals(SyncException.Reason.INVALID_VALUE,
                refusal(() -> a.insertValues("ls", "k", 0, List.of(nested(ValueLimits.MAX_DEPTH)))),
                "a list's value is the array of its elements: one more level");

        SyncException big = assertThrows(SyncException.class, () -> a.put("reg", "k", stringOfJsonSize(ValueLimits.MAX_VALUE_BYTES + 1)));
        assertEquals(SyncException.Reason.VALUE_TOO_LARGE, big.reason());
        assertTrue(big.getMessage().contains("1 MiB"), big.getMessage());
        assertEquals(SyncException.Reason.VALUE_TOO_LARGE, refusal(() -> a.insertText("tx", "k", 0, "y".repeat(ValueLimits.MAX_VALUE_BYTES))));

        assertEquals(SyncException.Reason.INVALID_VALUE, refusal(() -> a.put("reg", "k", DoubleNode.valueOf(Double.NaN))));
        assertEquals(SyncException.Reason.INVALID_VALUE, refusal(() -> a.put("reg", "k", new BigIntegerNode(BigInteger.TEN.pow(1000)))));
        assertEquals(SyncException.Reason.INVALID_VALUE, refusal(() -> a.put("reg", "k", F.binaryNode(new byte[] {1, 2}))));

        // one bad write refuses the whole transaction
        assertEquals(SyncException.Reason.INVALID_VALUE, refusal(() -> a.transaction(tx -> tx.put("reg", "ok", IntNode.valueOf(1))
                .put("reg", "bad", TextNode.valueOf("\ud800")))));

        assertEquals(before, mesh.node("A").engine().localChangeSetCount(), "no change set was written");
        assertTrue(a.get("reg", "k").isEmpty() && a.get("reg", "ok").isEmpty());
        assertFalse(a.namespaces().stream().anyMatch(n -> n.name().startsWith("fresh")), "no namespace was created");
    }

    @Test
    void deletingInANamespaceThatDoesNotExistIsRefusedAndCreatesNothing() throws Exception {
        SyncService a = mesh.start("A").service();
        SyncException e = assertThrows(SyncException.class, () -> a.delete("never-written", "k"));
        assertEquals(SyncException.Reason.UNKNOWN_NAMESPACE, e.reason());
        assertTrue(e.getMessage().contains("never-written"), e.getMessage());
        assertFalse(a.namespaces().stream().anyMatch(n -> n.name().equals("never-written")));
        assertEquals(0, mesh.node("A").engine().localChangeSetCount());

        a.put("written", "k", IntNode.valueOf(1));
        a.delete("written", "k");
        assertTrue(a.get("written", "k").isEmpty(), "a namespace with data still deletes");
        a.delete("reg", "never-set"); // a declared namespace, empty: allowed
    }

    @Test
    void valuesAtTheLimitsReachAPeerAndARestartedWriterUnchanged() throws Exception {
        SyncService a = mesh.start("A").service();
        mesh.start("B");
        JsonNode deepest = nested(ValueLimits.MAX_DEPTH);
        JsonNode largest = stringOfJsonSize(ValueLimits.MAX_VALUE_BYTES);
        JsonNode astral = TextNode.valueOf("emoji \ud83d\ude00 and \ud834\udd1e, a pair at the end \ud83c\udf89");
        ObjectNode astralNames = F.objectNode();
        astralNames.put("\ud83d\udc4d", "thumbs up");
        String astralKey = "key \ud83d\ude80/%\\";
        a.put("reg", "deep", deepest);
        a.put("reg", "large", largest);
        a.put("reg", "astral", astral);
        a.put("reg", astralKey, astralNames);
        a.insertValues("ls", "k", 0, List.of(nested(ValueLimits.MAX_DEPTH - 1)));

        mesh.connect("A", "B");
        Map<String, List<String>> keys = Map.of("reg", List.of("deep", "large", "astral", astralKey), "ls", List.of("k"));
        mesh.awaitConverged(List.of("A", "B"), keys);
        assertEquals(deepest, mesh.value("B", "reg", "deep").orElseThrow());
        assertEquals(largest, mesh.value("B", "reg", "large").orElseThrow());
        assertEquals(astral, mesh.value("B", "reg", "astral").orElseThrow());
        assertEquals(astralNames, mesh.value("B", "reg", astralKey).orElseThrow());
        assertEquals(JSON.writeValueAsString(astral), JSON.writeValueAsString(mesh.value("B", "reg", "astral").orElseThrow()));

        mesh.stop("A");
        mesh.start("A");
        assertEquals(deepest, mesh.value("A", "reg", "deep").orElseThrow(), "the writer reads it back after a restart");
        assertEquals(largest, mesh.value("A", "reg", "large").orElseThrow());
        assertEquals(astral, mesh.value("A", "reg", "astral").orElseThrow());
        assertEquals(astralNames, mesh.value("A", "reg", astralKey).orElseThrow());
        assertEquals(ValueLimits.MAX_DEPTH, depth(mesh.value("A", "ls", "k").orElseThrow()));
    }

    private static int depth(JsonNode v) {
        int d = 0;
        while (v.isContainerNode()) {
            v = v.get(0);
            d++;
        }
        return d;
    }
}

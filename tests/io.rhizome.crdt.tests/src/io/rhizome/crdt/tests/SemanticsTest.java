package io.rhizome.crdt.tests;

import static io.rhizome.crdt.tests.Intents.JSON;
import static io.rhizome.crdt.tests.Intents.op;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.rhizome.api.clock.HlcTimestamp;
import io.rhizome.spi.crdt.CrdtDecodeException;
import io.rhizome.spi.crdt.CrdtIntentException;
import io.rhizome.spi.crdt.CrdtReplica;
import io.rhizome.spi.crdt.ReplicaContext;
import io.rhizome.spi.crdt.TextReplica;
import io.rhizome.spi.crdt.VersionVector;

/** What each built-in type resolves concurrent writes to, on small hand-made cases. */
class SemanticsTest {

    private static final HlcTimestamp T1 = new HlcTimestamp(1_000, 0);
    private static final HlcTimestamp T2 = new HlcTimestamp(2_000, 0);

    private static CrdtReplica replica(String type, String id) {
        return BuiltinTypes.get(type).newReplica(new ReplicaContext(id, BuiltinTypes::lookup));
    }

    private static JsonNode json(String text) throws Exception {
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(text);
    }

    @Test
    void everyBuiltInTypeIsRegisteredUnderItsName() {
        for (String name : BuiltinTypes.NAMES) {
            assertEquals(name, BuiltinTypes.get(name).name());
        }
    }

    @Test
    void countersAddUpConcurrentUpdates() throws Exception {
        CrdtReplica a = replica("pn-counter", "a");
        CrdtReplica b = replica("pn-counter", "b");
        byte[] x = a.mutate(op("increment").put("by", 5), T1);
        byte[] y = b.mutate(op("decrement").put("by", 2), T1);
        a.apply(y);
        b.apply(x);
        assertEquals(JSON.numberNode(3), a.value());
        assertEquals(a.value(), b.value());
        CrdtReplica g = replica("g-counter", "a");
        assertThrows(CrdtIntentException.class, () -> g.mutate(op("decrement"), T1));
        assertThrows(CrdtIntentException.class, () -> g.mutate(op("increment").put("by", -1), T1));
        assertEquals(VersionVector.EMPTY, g.version(), "rejected intents consume no sequence number");
    }

    @Test
    void orSetAddWinsOverConcurrentRemove() throws Exception {
        CrdtReplica a = replica("or-set", "a");
        CrdtReplica b = replica("or-set", "b");
        b.apply(a.mutate(op("add").put("value", "x"), T1));
        byte[] remove = a.mutate(op("remove").put("value", "x"), T2);
        byte[] add = b.mutate(op("add").put("value", "x"), T2);
        a.apply(add);
        b.apply(remove);
        assertEquals(json("[\"x\"]"), a.value());
        assertEquals(a.value(), b.value());
        b.apply(a.mutate(op("remove").put("value", "x"), T2));
        assertEquals(json("[]"), b.value(), "a remove that saw every add removes");
    }

    @Test
    void setsCompareValuesCanonically() throws Exception {
        CrdtReplica s = replica("g-set", "a");
        s.mutate(op("add").set("value", json("{\"a\":1,\"b\":2}")), T1);
        s.mutate(op("add").set("value", json("{\"b\":2,\"a\":1}")), T1);
        assertEquals(1, s.value().size(), "objects with the same members are one element");
    }

    @Test
    void lwwRegisterPicksLatestThenReplicaId() throws Exception {
        CrdtReplica a = replica("lww-register", "a");
        CrdtReplica b = replica("lww-register", "b");
        byte[] late = a.mutate(op("set").put("value", "late"), T2);
        byte[] early = b.mutate(op("set").put("value", "early"), T1);
        a.apply(early);
        b.apply(late);
        assertEquals(JSON.textNode("late"), a.value());
        assertEquals(a.value(), b.value());
        CrdtReplica c = replica("lww-register", "c");
        CrdtReplica d = replica("lww-register", "d");
        byte[] fromC = c.mutate(op("set").put("value", "c"), T2);
        byte[] fromD = d.mutate(op("set").put("value", "d"), T2);
        c.apply(fromD);
        d.apply(fromC);
        assertEquals(JSON.textNode("d"), c.value(), "same timestamp: the greater replica id wins");
        assertEquals(c.value(), d.value());
    }

    @Test
    void mvRegisterKeepsConcurrentValuesUntilResolved() throws Exception {
        CrdtReplica a = replica("mv-register", "a");
        CrdtReplica b = replica("mv-register", "b");
        byte[] x = a.mutate(op("set").put("value", 1), T1);
        byte[] y = b.mutate(op("set").put("value", 2), T1);
        a.apply(y);
        b.apply(x);
        assertEquals(json("[1,2]"), a.value());
        assertEquals(a.value(), b.value());
        b.apply(a.mutate(op("set").put("value", 3), T2));
        assertEquals(json("[3]"), b.value());
    }

    @Test
    void lwwMapNestsCrdtsAndReplacesThemByLaterWrites() throws Exception {
        CrdtReplica a = replica("lww-map", "a");
        CrdtReplica b = replica("lww-map", "b");
        b.apply(a.mutate(op("update").put("key", "likes").put("type", "pn-counter").set("intent", op("increment")), T1));
        byte[] x = a.mutate(op("update").put("key", "likes").put("type", "pn-counter").set("intent", op("increment").put("by", 2)), T1);
        byte[] y = b.mutate(op("update").put("key", "likes").put("type", "pn-counter").set("intent", op("increment").put("by", 4)), T1);
        a.apply(y);
        b.apply(x);
        assertEquals(json("{\"likes\":7}"), a.value(), "updates to one nested counter merge");
        assertEquals(a.value(), b.value());
        b.apply(a.mutate(op("set").put("key", "likes").put("value", "none"), T2));
        b.apply(a.mutate(op("remove").put("key", "gone"), T2));
        assertEquals(json("{\"likes\":\"none\"}"), b.value());
        a.compact(a.version().meet(b.version()));
        assertEquals(b.value(), a.value());
    }

    @Test
    void orMapUpdateWinsOverConcurrentRemove() throws Exception {
        CrdtReplica a = replica("or-map", "a");
        CrdtReplica b = replica("or-map", "b");
        b.apply(a.mutate(op("update").put("key", "tags").put("type", "or-set").set("intent", op("add").put("value", "x")), T1));
        byte[] remove = a.mutate(op("remove").put("key", "tags"), T2);
        byte[] update = b.mutate(op("update").put("key", "tags").put("type", "or-set").set("intent", op("add").put("value", "y")), T2);
        a.apply(update);
        b.apply(remove);
        assertEquals(a.value(), b.value());
        assertTrue(a.value().has("tags"), "a concurrent update keeps the key");
        assertThrows(CrdtIntentException.class,
                () -> a.mutate(op("update").put("key", "k").put("type", "no-such-type").set("intent", op("x")), T1));
    }

    @Test
    void concurrentTextInsertsAtOnePlaceDoNotInterleave() throws Exception {
        TextReplica a = (TextReplica) replica("text", "a");
        TextReplica b = (TextReplica) replica("text", "b");
        b.apply(a.insert(0, "[]"));
        java.util.List<byte[]> fromA = new java.util.ArrayList<>();
        java.util.List<byte[]> fromB = new java.util.ArrayList<>();
        String wordA = "hello";
        String wordB = "world";
        for (int i = 0; i < 5; i++) {
            fromA.add(a.insert(1 + i, wordA.substring(i, i + 1))); // typed one key at a time
            fromB.add(b.insert(1 + i, wordB.substring(i, i + 1)));
        }
        fromB.forEach(op -> apply(a, op));
        fromA.forEach(op -> apply(b, op));
        assertEquals(a.text(), b.text());
        assertTrue(a.text().equals("[helloworld]") || a.text().equals("[worldhello]"), "not interleaved: " + a.text());
        // backwards typing (each key inserted before the previous one) is not interleaved either
        TextReplica c = (TextReplica) replica("text", "c");
        TextReplica d = (TextReplica) replica("text", "d");
        d.apply(c.insert(0, "||"));
        java.util.List<byte[]> fromC = new java.util.ArrayList<>();
        java.util.List<byte[]> fromD = new java.util.ArrayList<>();
        for (int i = 4; i >= 0; i--) {
            fromC.add(c.insert(1, wordA.substring(i, i + 1)));
            fromD.add(d.insert(1, wordB.substring(i, i + 1)));
        }
        fromD.forEach(op -> apply(c, op));
        fromC.forEach(op -> apply(d, op));
        assertEquals(c.text(), d.text());
        assertTrue(c.text().equals("|helloworld|") || c.text().equals("|worldhello|"), "not interleaved: " + c.text());
    }

    private static void apply(CrdtReplica r, byte[] op) {
        try {
            r.apply(op);
        } catch (CrdtDecodeException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void textIndexesCountCodePointsAndDeletesRemoveContent() throws Exception {
        TextReplica t = (TextReplica) replica("text", "a");
        t.insert(0, "a\uD83D\uDE00b");
        assertEquals(3, t.length());
        t.delete(1, 1);
        assertEquals("ab", t.text());
        assertThrows(CrdtIntentException.class, () -> t.insert(3, "x"));
        assertThrows(CrdtIntentException.class, () -> t.delete(1, 2));
        assertThrows(CrdtIntentException.class, () -> t.insert(0, "\uD83D"));
        t.mutate(op("insert").put("index", 2).put("text", "c"), T1);
        t.mutate(op("delete").put("index", 0), T1);
        assertEquals(JSON.textNode("bc"), t.value());
    }

    @Test
    void listHoldsJsonValues() throws Exception {
        CrdtReplica a = replica("list", "a");
        CrdtReplica b = replica("list", "b");
        b.apply(a.mutate(op("insert").put("index", 0).set("values", json("[1,{\"m\":\"hi\"},3]")), T1));
        byte[] x = a.mutate(op("delete").put("index", 0).put("count", 2), T1);
        byte[] y = b.mutate(op("insert").put("index", 3).put("value", "tail"), T1);
        a.apply(y);
        b.apply(x);
        assertEquals(json("[3,\"tail\"]"), a.value());
        assertEquals(a.value(), b.value());
    }

    @Test
    void causalGapsAndForeignBytesAreRejectedWithoutEffect() throws Exception {
        for (String name : BuiltinTypes.NAMES) {
            CrdtReplica a = replica(name, "a");
            CrdtReplica b = replica(name, "b");
            java.util.Random random = new java.util.Random(5);
            byte[] first = a.mutate(Intents.forType(name, random, a), T1);
            byte[] second = a.mutate(Intents.forType(name, random, a), T2);
            byte[] before = b.encodeState();
            assertThrows(CrdtDecodeException.class, () -> b.apply(second), name + ": operation 2 before operation 1");
            assertArrayEquals(before, b.encodeState());
            b.apply(first);
            b.apply(second);
            assertEquals(a.value(), b.value());
            for (String other : BuiltinTypes.NAMES) {
                if (!other.equals(name)) {
                    CrdtReplica o = replica(other, "o");
                    byte[] foreign = o.mutate(Intents.forType(other, random, o), T1);
                    assertThrows(CrdtDecodeException.class, () -> b.apply(foreign), other + " operation given to " + name);
                    assertThrows(CrdtDecodeException.class, () -> b.merge(o.encodeState()), other + " state given to " + name);
                }
            }
            assertEquals(a.value(), b.value());
        }
    }
}

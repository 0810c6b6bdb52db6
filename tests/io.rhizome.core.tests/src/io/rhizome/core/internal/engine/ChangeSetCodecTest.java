package io.rhizome.core.internal.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;

import io.rhizome.core.internal.engine.ChangeSetCodec.InvalidChangeSetException;

/** The hand-written streaming decoders are as strict as the mapper they replace. */
class ChangeSetCodecTest {

    private final ChangeSetCodec codec = new ChangeSetCodec();
    private final ObjectMapper cbor = new ObjectMapper(new CBORFactory());

    private static ChangeSet sample() {
        return new ChangeSet("reg", "dev", 7, 123456789L, Map.of("reg|other", 3L),
                List.of(new ChangeSet.Op("k1", "lww-register", new byte[] { 1, 2, 3 }), new ChangeSet.Op("k2", "lww-register", new byte[0])));
    }

    @Test
    void roundTripsChangeSetsEnvelopesAndScopedEntries() throws Exception {
        ChangeSet cs = sample();
        ChangeSet back = codec.decodeChangeSet(codec.encode(cs));
        assertEquals(cs.namespace(), back.namespace());
        assertEquals(cs.author(), back.author());
        assertEquals(cs.seq(), back.seq());
        assertEquals(cs.hlc(), back.hlc());
        assertEquals(cs.deps(), back.deps());
        assertEquals(2, back.ops().size());
        assertArrayEquals(new byte[] { 1, 2, 3 }, back.ops().get(0).op());

        Envelope env = new Envelope(Envelope.VERSION, "reg", "dev", 7, 4, new byte[] { 9, 8 });
        Envelope e = assertInstanceOf(Envelope.class, codec.decodeEntry(codec.encode(env)));
        assertEquals(4, e.epoch());
        assertArrayEquals(new byte[] { 9, 8 }, e.body());

        ScopedEnvelope se = new ScopedEnvelope(ScopedEnvelope.VERSION, "t", "dev", 2, Envelope.PLAIN_EPOCH, "relay", "age < 1d",
                codec.encode(new ScopedBody(5, 7, List.of())));
        ScopedEnvelope s = assertInstanceOf(ScopedEnvelope.class, codec.decodeEntry(codec.encode(se)));
        assertEquals("relay", s.via());
        assertEquals(5, codec.decodeScopedBody(s.body()).hlc());
    }

    @Test
    void theVersionIsFoundAlsoWhenItIsNotTheFirstKey() throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("namespace", "t");
        m.put("version", 2);
        m.put("author", "dev");
        m.put("seq", 1);
        m.put("epoch", -1);
        m.put("via", "relay");
        m.put("predicate", "age < 1d");
        m.put("body", new byte[] { 1 });
        assertInstanceOf(ScopedEnvelope.class, codec.decodeEntry(cbor.writeValueAsBytes(m)));
    }

    private void refused(Map<String, Object> m, String expect) throws Exception {
        byte[] bytes = cbor.writeValueAsBytes(m);
        InvalidChangeSetException e = assertThrows(InvalidChangeSetException.class, () -> codec.decodeChangeSet(bytes));
        assertTrue(e.getMessage().contains(expect), e.getMessage());
    }

    private static Map<String, Object> valid() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("namespace", "reg");
        m.put("author", "dev");
        m.put("seq", 1);
        m.put("hlc", 5);
        m.put("deps", Map.of());
        m.put("ops", List.of(Map.of("key", "k", "type", "lww-register", "op", new byte[] { 1 })));
        return m;
    }

    @Test
    void malformedChangeSetsAreRefusedWithTheReason() throws Exception {
        Map<String, Object> m = valid();
        codec.decodeChangeSet(cbor.writeValueAsBytes(m));
        m.put("extra", 1);
        refused(m, "unknown field 'extra'");
        m = valid();
        m.remove("hlc");
        refused(m, "missing fields");
        m = valid();
        m.put("seq", "one");
        refused(m, "'seq' must be an integer");
        m = valid();
        m.put("ops", List.of(Map.of("key", "k", "type", "lww-register")));
        refused(m, "missing fields (needs key, type, op)");
        m = valid();
        m.put("deps", List.of(1));
        refused(m, "'deps' must be a map");
        byte[] ok = cbor.writeValueAsBytes(valid());
        byte[] trailing = java.util.Arrays.copyOf(ok, ok.length + 1);
        assertThrows(InvalidChangeSetException.class, () -> codec.decodeChangeSet(trailing));
        assertThrows(InvalidChangeSetException.class, () -> codec.decodeChangeSet(java.util.Arrays.copyOf(ok, ok.length - 2)));
        assertThrows(InvalidChangeSetException.class, () -> codec.decodeChangeSet(new byte[0]));
        assertThrows(InvalidChangeSetException.class, () -> codec.decodeEntry(cbor.writeValueAsBytes(List.of(1, 2))));
    }

    @Test
    void aChangeSetWithoutAPolicyPointIsEncodedAsBeforeAndOneWithAPointCarriesItSorted() throws Exception {
        ChangeSet plain = sample();
        // The format before the field: the six fields only, so older change sets and newer ones without a point are the same bytes.
        Map<String, Object> before = new LinkedHashMap<>();
        before.put("namespace", plain.namespace());
        before.put("author", plain.author());
        before.put("seq", plain.seq());
        before.put("hlc", plain.hlc());
        before.put("deps", plain.deps());
        before.put("ops", List.of(Map.of("key", "k1", "type", "lww-register", "op", new byte[] { 1, 2, 3 }),
                Map.of("key", "k2", "type", "lww-register", "op", new byte[0])));
        Map<?, ?> encoded = cbor.readValue(codec.encode(plain), Map.class);
        assertEquals(before.keySet(), encoded.keySet(), "no policyPoint key without a point");
        assertEquals(List.of(), codec.decodeChangeSet(cbor.writeValueAsBytes(before)).policyPoint(), "the old format decodes, without a point");

        ChangeSet withPoint = new ChangeSet("reg", "dev", 7, 1L, Map.of(), plain.ops(), List.of("s2", "s1", "s2"));
        assertEquals(List.of("s1", "s2"), withPoint.policyPoint(), "sorted, each id once");
        ChangeSet back = codec.decodeChangeSet(codec.encode(withPoint));
        assertEquals(List.of("s1", "s2"), back.policyPoint());
        assertEquals(java.util.Set.of("s1", "s2"), back.policyPointSet());
    }

    @Test
    void aMalformedPolicyPointIsRefusedWithTheReason() throws Exception {
        Map<String, Object> m = valid();
        m.put("policyPoint", List.of());
        refused(m, "'policyPoint' is empty");
        m.put("policyPoint", "s1");
        refused(m, "'policyPoint' must be an array of strings");
        m.put("policyPoint", List.of("s1", 2));
        refused(m, "'policyPoint' must hold strings");
        m.put("policyPoint", java.util.stream.IntStream.range(0, ChangeSetCodec.MAX_POINT_IDS + 1).mapToObj(i -> "s" + i).toList());
        refused(m, "more than " + ChangeSetCodec.MAX_POINT_IDS + " ids");
        m.put("policyPoint", List.of("s1"));
        assertEquals(List.of("s1"), codec.decodeChangeSet(cbor.writeValueAsBytes(m)).policyPoint());
    }

    /**
     * Found by the change-set fuzz target (tests/fuzz/regressions/change-set/author-lone-surrogate,
     * after its selector byte): an author whose bytes are not UTF-8 was decoded by the CBOR parser
     * into a string with an unpaired surrogate, and the change set it accepted could not be encoded
     * again. Such text is refused now, in every text field of a change set.
     */
    @Test
    void textThatIsNotUtf8IsRefused() throws Exception {
        byte[] input = java.util.Base64.getDecoder().decode("Ab9pbmFtZXNwYWNlZXByZWZzZmF1dGhvcmhkZfZpY2UtYmNzZXEBY2hsYwFkZGVwc7//Y29wc4D/");
        byte[] found = java.util.Arrays.copyOfRange(input, 1, input.length);
        InvalidChangeSetException e = assertThrows(InvalidChangeSetException.class, () -> codec.decodeChangeSet(found));
        assertTrue(e.getMessage().contains("'author' is not valid UTF-8"), e.getMessage());
        byte[] surrogate = {(byte) 0xED, (byte) 0xA0, (byte) 0x80}; // U+D800 as UTF-8, the same length as "abc"
        for (String field : new String[] {"namespace", "deps", "key", "policyPoint"}) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("namespace", field.equals("namespace") ? "abc" : "ns");
            m.put("author", "dev");
            m.put("seq", 1);
            m.put("hlc", 1);
            m.put("deps", field.equals("deps") ? Map.of("s/abc", 1) : Map.of());
            m.put("ops", List.of(Map.of("key", field.equals("key") ? "abc" : "k", "type", "lww-register", "op", new byte[] {1})));
            if (field.equals("policyPoint")) {
                m.put("policyPoint", List.of("abc"));
            }
            byte[] bad = cbor.writeValueAsBytes(m);
            int at = indexOf(bad, "abc".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            System.arraycopy(surrogate, 0, bad, at, 3);
            InvalidChangeSetException refused = assertThrows(InvalidChangeSetException.class, () -> codec.decodeChangeSet(bad), field);
            assertTrue(refused.getMessage().contains("not valid UTF-8"), field + ": " + refused.getMessage());
        }
    }

    private static int indexOf(byte[] bytes, byte[] what) {
        for (int i = 0; i + what.length <= bytes.length; i++) {
            if (java.util.Arrays.equals(bytes, i, i + what.length, what, 0, what.length)) {
                return i;
            }
        }
        throw new AssertionError("not in the bytes");
    }
}

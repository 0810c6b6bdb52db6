package io.rhizome.core.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.rhizome.core.internal.engine.ScopePredicate.InvalidPredicateException;

class ScopePredicateTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long DAY = 86_400_000L;
    private static final long NOW = 1_800_000_000_000L;

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s);
    }

    @Test
    void ageComparesTheChangeTimeWithTheSendersClock() throws Exception {
        ScopePredicate p = ScopePredicate.parse("age < 30d");
        assertTrue(p.test(null, NOW - 29 * DAY, NOW));
        assertFalse(p.test(null, NOW - 30 * DAY, NOW));
        assertTrue(ScopePredicate.parse("AGE<2h").test(null, NOW - 3_600_000L, NOW));
        assertFalse(ScopePredicate.parse("age < 90s").test(null, NOW - 91_000L, NOW));
        assertEquals("age < 2h", ScopePredicate.parse("AGE<2h").canonical());
    }

    @Test
    void fieldsMatchScalarsAlongAPath() throws Exception {
        JsonNode v = json("{\"status\":\"open\",\"prio\":2,\"meta\":{\"team\":\"ops\",\"done\":false}}");
        assertTrue(ScopePredicate.parse("field status = open").test(v, 0, NOW));
        assertTrue(ScopePredicate.parse("field status = \"open\"").test(v, 0, NOW));
        assertFalse(ScopePredicate.parse("field status = closed").test(v, 0, NOW));
        assertTrue(ScopePredicate.parse("field prio = 2.0").test(v, 0, NOW), "numbers compare by value");
        assertFalse(ScopePredicate.parse("field prio = \"2\"").test(v, 0, NOW), "a string is not a number");
        assertTrue(ScopePredicate.parse("field meta.team = ops and field meta.done = false").test(v, 0, NOW));
        assertTrue(ScopePredicate.parse("field missing != x").test(v, 0, NOW), "a missing field differs from every value");
        assertFalse(ScopePredicate.parse("field missing = null").test(v, 0, NOW));
        assertFalse(ScopePredicate.parse("field status = open").test(json("\"open\""), 0, NOW), "not an object");
        assertFalse(ScopePredicate.parse("field status = open").test(null, 0, NOW), "no value");
        assertFalse(ScopePredicate.parse("field status = open and age < 1d").test(v, NOW - 2 * DAY, NOW));
        assertEquals("field status = \"open\" and age < 1d", ScopePredicate.parse("field  status=open AND age<1d").canonical());
    }

    @Test
    void malformedPredicatesAreRefusedWithTheReason() {
        for (String bad : new String[] { "", "  ", "colour is blue", "age < 30", "age < 0d", "age > 3d", "field = open",
                "field status = in progress", "field status = {\"a\":1}", "field status = \"unterminated", "field status = open and" }) {
            InvalidPredicateException e = assertThrows(InvalidPredicateException.class, () -> ScopePredicate.parse(bad), bad);
            assertFalse(e.getMessage().isBlank());
        }
    }
}

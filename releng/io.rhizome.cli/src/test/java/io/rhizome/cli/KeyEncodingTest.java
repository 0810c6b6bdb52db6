package io.rhizome.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/** Keys reach the daemon as one path segment whatever they hold; error answers print as one sentence. */
class KeyEncodingTest {

    @Test
    void everyKeyIsOnePathSegmentThatDecodesBackToItself() {
        for (String key : List.of("a/b", "100%", "x\\y", "..", ".", "a+b c?d#e;f", "ключ 🚀", "%2F", "plain-key_1~")) {
            String seg = DataCommands.seg(key);
            assertTrue(seg.matches("[A-Za-z0-9_~%-]+"), seg);
            assertEquals(key, URLDecoder.decode(seg.replace("+", "%2B"), StandardCharsets.UTF_8));
            URI uri = URI.create("http://127.0.0.1:1/api/v1/ns/notes/").resolve("/api/v1/ns/notes/" + seg);
            assertEquals("/api/v1/ns/notes/" + seg, uri.getRawPath(), "no dot segment is resolved away");
        }
        assertEquals("plain-key_1~", DataCommands.seg("plain-key_1~"));
        assertEquals("%2E%2E", DataCommands.seg(".."));
    }

    @Test
    void anAnswerWithoutAMessageStillGivesASentence() {
        assertEquals("the daemon answered HTTP 500 without an explanation",
                DaemonClient.message(500, JsonNodeFactory.instance.nullNode()));
        assertEquals("unknown namespace 'x'",
                DaemonClient.message(404, JsonNodeFactory.instance.objectNode().put("message", "unknown namespace 'x'")));
    }
}

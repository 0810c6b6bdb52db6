package io.rhizome.rest.internal;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a raw (still percent-encoded) request path on {@code /} and only then decodes each
 * segment, so that a key may hold {@code /}, {@code %} or {@code \} (sent as {@code %2F},
 * {@code %25}, {@code %5C}). The servlet container's decoded path cannot tell {@code a%2Fb} from
 * {@code a/b}.
 */
final class PathSegments {

    private PathSegments() {
    }

    /** A segment that is not valid percent-encoded UTF-8; the message says which and why. */
    static final class MalformedSegmentException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedSegmentException(String message) {
            super(message);
        }
    }

    /** The decoded segments of {@code raw} (a leading {@code /} is dropped; empty segments are kept). */
    static List<String> split(String raw) throws MalformedSegmentException {
        String s = raw.startsWith("/") ? raw.substring(1) : raw;
        List<String> out = new ArrayList<>();
        int start = 0;
        while (true) {
            int slash = s.indexOf('/', start);
            out.add(decode(slash < 0 ? s.substring(start) : s.substring(start, slash)));
            if (slash < 0) {
                return out;
            }
            start = slash + 1;
        }
    }

    /** Decodes one segment strictly: {@code %XX} escapes forming valid UTF-8; {@code +} stays a plus. */
    static String decode(String segment) throws MalformedSegmentException {
        if (segment.indexOf('%') < 0) {
            return segment;
        }
        ByteBuffer bytes = ByteBuffer.allocate(segment.length() * 3);
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c == '%') {
                if (i + 2 >= segment.length() || Character.digit(segment.charAt(i + 1), 16) < 0 || Character.digit(segment.charAt(i + 2), 16) < 0) {
                    throw new MalformedSegmentException("the path segment '" + segment + "' has a '%' not followed by two hex digits"
                            + " (write a literal % as %25)");
                }
                bytes.put((byte) Integer.parseInt(segment.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                bytes.put(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        bytes.flip();
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw new MalformedSegmentException("the path segment '" + segment + "' does not decode to valid UTF-8");
        }
    }
}

package io.rhizome.core.internal.protocol;

import java.lang.reflect.RecordComponent;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;

/**
 * Whether every text in a decoded message is well-formed Unicode. The CBOR decoder turns the UTF-8
 * encoding of a lone UTF-16 surrogate (ED A0 80 and the like, which RFC 3629 forbids) into a lone
 * surrogate instead of refusing it; such a string cannot be encoded again (a device id that cannot
 * be answered, a namespace name that cannot be stored). {@link MessageCodec#decode} refuses the
 * message instead, with {@link ProtocolException#MALFORMED}; the change-set codec refuses such
 * text in a change set or envelope with its own typed error.
 */
public final class WellFormedText {

    private WellFormedText() {
    }

    /** The path of the first text in {@code value} (a message record and what it holds) with an unpaired surrogate. */
    public static Optional<String> firstIllFormed(Object value) {
        return find(value, "", 0);
    }

    /** Whether {@code s} has no unpaired surrogate. */
    public static boolean wellFormed(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    private static Optional<String> find(Object value, String path, int depth) {
        if (depth > 8) {
            throw new IllegalStateException("a protocol message nests deeper than any message type does: " + path);
        }
        if (value instanceof String s) {
            return wellFormed(s) ? Optional.empty() : Optional.of(path.isEmpty() ? "text" : path);
        }
        if (value instanceof Collection<?> c) {
            for (Object o : c) {
                Optional<String> bad = find(o, path + "[]", depth + 1);
                if (bad.isPresent()) {
                    return bad;
                }
            }
        } else if (value instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                Optional<String> bad = find(e.getKey(), path + "{key}", depth + 1).or(() -> find(e.getValue(), path + "{}", depth + 1));
                if (bad.isPresent()) {
                    return bad;
                }
            }
        } else if (value != null && value.getClass().isRecord()) {
            for (RecordComponent rc : value.getClass().getRecordComponents()) {
                Object v;
                try {
                    v = rc.getAccessor().invoke(value);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("cannot read " + rc.getName() + " of a protocol message", e);
                }
                Optional<String> bad = find(v, path.isEmpty() ? rc.getName() : path + "." + rc.getName(), depth + 1);
                if (bad.isPresent()) {
                    return bad;
                }
            }
        }
        return Optional.empty();
    }
}

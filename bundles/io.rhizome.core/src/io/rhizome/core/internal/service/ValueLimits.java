package io.rhizome.core.internal.service;

import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import io.rhizome.api.SyncException;

/**
 * What a local write may hold, checked before anything is written, so that every value accepted
 * is stored, sent and read back exactly as acknowledged on every device.
 *
 * <p>Why these rules: values travel as UTF-8 JSON text inside CRDT states and change sets. A string
 * with a lone surrogate has no UTF-8 form (the encoder writes {@code ?}, so the peer and the
 * writer after a restart hold something else); a number or name longer than Jackson's default
 * read constraints, or a value nested deeper than them, is written but can never be read back
 * (export, {@code get} and the peers' decoders all use Jackson's defaults: nesting 1000, numbers
 * 1000 characters, names 50,000 characters, strings 20 M characters). The limits below sit well
 * inside those, leaving room for the wrapping each reader adds (an intent object, an export line,
 * a REST answer), so no reader can refuse what a write accepted.
 *
 * <p>The size limit keeps one value far below a link frame (16 MiB): a change set of a transaction
 * with several values still fits one frame; the engine refuses a change set that does not.
 */
public final class ValueLimits {

    /** Arrays/objects a value may nest ({@code [[1]]} nests 2; a scalar 0). */
    public static final int MAX_DEPTH = 64;
    /** A value's size as compact UTF-8 JSON. */
    public static final int MAX_VALUE_BYTES = 1024 * 1024;
    /** A key or namespace name's size in UTF-8: it must fit a REST path when percent-encoded. */
    public static final int MAX_NAME_BYTES = 1024;
    /** Jackson's default maximum number length (StreamReadConstraints.DEFAULT_MAX_NUM_LEN). */
    static final int MAX_NUMBER_CHARS = 1000;
    /** Jackson's default maximum object member name length (StreamReadConstraints.DEFAULT_MAX_NAME_LEN). */
    static final int MAX_MEMBER_NAME_CHARS = 50_000;

    private ValueLimits() {
    }

    /**
     * Checks a namespace name or key: non-empty, valid Unicode, at most {@link #MAX_NAME_BYTES}.
     *
     * @param what "namespace name" or "key", for the message
     */
    public static void checkName(String what, String name) {
        if (name.isEmpty()) {
            throw invalid("the " + what + " is empty; a " + what + " is a non-empty string");
        }
        int bad = loneSurrogate(name);
        if (bad >= 0) {
            throw invalid("the " + what + " contains a lone UTF-16 surrogate (\\u" + hex(name.charAt(bad)) + " at index " + bad
                    + "), which is not valid Unicode");
        }
        long bytes = utf8Length(name);
        if (bytes > MAX_NAME_BYTES) {
            throw new SyncException(SyncException.Reason.VALUE_TOO_LARGE, "the " + what + " is " + bytes + " bytes in UTF-8; the limit is "
                    + MAX_NAME_BYTES);
        }
    }

    /**
     * Checks an intent: each of its members (the value, the element, the text, the values) is a
     * value within the limits. A non-object intent is checked as one value (the CRDT type refuses
     * it afterwards).
     */
    public static void checkIntent(JsonNode intent) {
        if (intent.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = intent.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> member = it.next();
                String what = "the \"" + shorten(member.getKey()) + "\" member";
                new Walk(what).name(member.getKey()); // checked, not counted: the limit is on the value
                checkValue(what, member.getValue());
            }
        } else {
            checkValue("the intent", intent);
        }
    }

    /** Checks one value; {@code what} names it in the message. */
    static void checkValue(String what, JsonNode value) {
        new Walk(what).visit(value, 0);
    }

    /** One pass over a value: depth, Unicode and size together, stopping at the first problem. */
    private static final class Walk {
        private final String what;
        private long bytes;

        Walk(String what) {
            this.what = what;
        }

        void visit(JsonNode node, int depth) {
            switch (node.getNodeType()) {
                case OBJECT, ARRAY -> {
                    if (depth + 1 > MAX_DEPTH) {
                        throw invalid(what + " nests arrays and objects more than " + MAX_DEPTH + " levels deep (the limit)");
                    }
                    add(2);
                    boolean first = true;
                    if (node.isObject()) {
                        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
                            Map.Entry<String, JsonNode> f = it.next();
                            add(first ? 1 : 2); // ':' and ','
                            first = false;
                            name(f.getKey());
                            visit(f.getValue(), depth + 1);
                        }
                    } else {
                        for (JsonNode e : node) {
                            add(first ? 0 : 1);
                            first = false;
                            visit(e, depth + 1);
                        }
                    }
                }
                case STRING -> string(node.textValue(), "a string");
                case NUMBER -> number(node);
                case BOOLEAN -> add(node.booleanValue() ? 4 : 5);
                case NULL -> add(4);
                default -> throw invalid(what + " holds a " + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT)
                        + " node; only JSON values (objects, arrays, strings, numbers, booleans, null) can be stored");
            }
        }

        void name(String name) {
            if (name.length() > MAX_MEMBER_NAME_CHARS) {
                throw invalid(what + " has an object member name of " + name.length() + " characters; the limit is "
                        + MAX_MEMBER_NAME_CHARS);
            }
            string(name, "an object member name");
        }

        private void string(String s, String kind) {
            int bad = loneSurrogate(s);
            if (bad >= 0) {
                throw invalid(what + " holds " + kind + " with a lone UTF-16 surrogate (\\u" + hex(s.charAt(bad)) + " at index " + bad
                        + "), which is not valid Unicode and cannot be stored as UTF-8");
            }
            add(2 + escapedUtf8Length(s));
        }

        private void number(JsonNode n) {
            if (n.isFloatingPointNumber() && !n.isBigDecimal() && !Double.isFinite(n.doubleValue())) {
                throw invalid(what + " holds " + n.doubleValue() + ", which is not a JSON number");
            }
            String text = n.isBigDecimal() ? plain(n.decimalValue()) : n.asText();
            if (text.length() > MAX_NUMBER_CHARS) {
                throw invalid(what + " holds a number of " + text.length() + " characters; the limit is " + MAX_NUMBER_CHARS);
            }
            add(text.length());
        }

        private void add(long n) {
            bytes += n;
            if (bytes > MAX_VALUE_BYTES) {
                throw new SyncException(SyncException.Reason.VALUE_TOO_LARGE, what + " is larger than " + MAX_VALUE_BYTES
                        + " bytes as UTF-8 JSON; the limit is " + MAX_VALUE_BYTES + " bytes (1 MiB)");
            }
        }
    }

    /** A BigDecimal's length as Jackson would read it back: a huge exponent counts in full. */
    private static String plain(BigDecimal d) {
        int scale = Math.abs(d.scale());
        return scale > MAX_NUMBER_CHARS ? "x".repeat(MAX_NUMBER_CHARS + 1) : d.toPlainString();
    }

    /** The index of the first unpaired surrogate, or -1. */
    static int loneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else {
                    return i;
                }
            } else if (Character.isLowSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }

    private static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            n += utf8Bytes(s.charAt(i));
        }
        return n;
    }

    /** UTF-8 bytes of a string as JSON string content (escapes counted as written). */
    private static long escapedUtf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t') {
                n += 2;
            } else if (c < 0x20) {
                n += 6;
            } else {
                n += utf8Bytes(c);
            }
        }
        return n;
    }

    /** A surrogate pair is 4 bytes: 2 for each half. */
    private static int utf8Bytes(char c) {
        if (c < 0x80) {
            return 1;
        }
        if (c < 0x800 || Character.isSurrogate(c)) {
            return 2;
        }
        return 3;
    }

    private static String hex(char c) {
        return String.format("%04x", (int) c);
    }

    private static String shorten(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }

    private static SyncException invalid(String message) {
        return new SyncException(SyncException.Reason.INVALID_VALUE, message);
    }
}

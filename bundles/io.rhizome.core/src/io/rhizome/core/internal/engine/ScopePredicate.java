package io.rhizome.core.internal.engine;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * The predicate of a {@code selective} sync scope: which entities a node sends to its peers.
 *
 * <p>Grammar (case-insensitive keywords, clauses joined by {@code and}):
 * <pre>
 * predicate := clause ( "and" clause )*
 * clause    := "age" "&lt;" NUMBER UNIT            UNIT = s | m | h | d
 *            | "field" PATH ( "=" | "!=" ) LITERAL  PATH = name ( "." name )*
 * LITERAL   := a JSON scalar ("open", 3, 2.5, true, false, null) or a bare word (a string)
 * </pre>
 * {@code age < 30d} holds when the change being sent was made (its HLC wall time) less than 30
 * days before the sender's clock; {@code field status = open} holds when the entity's current value
 * is a JSON object whose {@code status} is the string {@code "open"} (numbers compare by value; a
 * missing field equals nothing, so {@code !=} holds for it). Immutable and thread-safe.
 */
public final class ScopePredicate {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern AGE = Pattern.compile("age\\s*<\\s*(\\d{1,9})\\s*([smhd])", Pattern.CASE_INSENSITIVE);
    private static final Pattern FIELD = Pattern.compile("field\\s+([A-Za-z0-9_-]+(?:\\.[A-Za-z0-9_-]+)*)\\s*(!=|=)\\s*(.+)",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern AND = Pattern.compile("\\s+and\\s+", Pattern.CASE_INSENSITIVE);

    private sealed interface Clause permits Age, Field {
    }

    private record Age(long maxMillis, String text) implements Clause {
    }

    private record Field(List<String> path, boolean equal, JsonNode literal, String text) implements Clause {
    }

    private final List<Clause> clauses;
    private final String canonical;

    private ScopePredicate(List<Clause> clauses) {
        this.clauses = List.copyOf(clauses);
        List<String> parts = new ArrayList<>();
        for (Clause c : clauses) {
            parts.add(c instanceof Age a ? a.text() : ((Field) c).text());
        }
        this.canonical = String.join(" and ", parts);
    }

    /**
     * Parses a predicate.
     *
     * @throws InvalidPredicateException naming the part that is wrong
     */
    public static ScopePredicate parse(String text) throws InvalidPredicateException {
        if (text == null || text.isBlank()) {
            throw new InvalidPredicateException("a selective scope needs a predicate, e.g. 'age < 30d' or 'field status = open'");
        }
        List<Clause> clauses = new ArrayList<>();
        for (String part : AND.split(text.trim())) {
            String p = part.trim();
            Matcher m = AGE.matcher(p);
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                String unit = m.group(2).toLowerCase(Locale.ROOT);
                long factor = switch (unit) {
                    case "s" -> 1_000L;
                    case "m" -> 60_000L;
                    case "h" -> 3_600_000L;
                    default -> 86_400_000L;
                };
                if (n == 0) {
                    throw new InvalidPredicateException("'" + p + "': the age limit must be greater than 0");
                }
                clauses.add(new Age(n * factor, "age < " + n + unit));
                continue;
            }
            m = FIELD.matcher(p);
            if (m.matches()) {
                JsonNode literal = literal(m.group(3).trim(), p);
                boolean equal = m.group(2).equals("=");
                clauses.add(new Field(List.of(m.group(1).split("\\.")), equal, literal,
                        "field " + m.group(1) + (equal ? " = " : " != ") + literal));
                continue;
            }
            throw new InvalidPredicateException("'" + p + "' is not a predicate clause; use 'age < N(s|m|h|d)' or 'field PATH = VALUE'"
                    + " (or '!='), joined by 'and'");
        }
        return new ScopePredicate(clauses);
    }

    private static JsonNode literal(String s, String clause) throws InvalidPredicateException {
        char c = s.charAt(0);
        if (c == '"' || c == '-' || Character.isDigit(c) || s.equals("true") || s.equals("false") || s.equals("null")) {
            try {
                JsonNode n = JSON.readTree(s);
                if (n == null || n.isContainerNode() || n.isMissingNode()) {
                    throw new InvalidPredicateException("'" + clause + "': the value must be a JSON scalar or a bare word");
                }
                return n;
            } catch (java.io.IOException e) {
                throw new InvalidPredicateException("'" + clause + "': '" + s + "' is not a valid JSON value");
            }
        }
        if (s.chars().anyMatch(Character::isWhitespace) || c == '{' || c == '[') {
            throw new InvalidPredicateException("'" + clause + "': a value with spaces must be quoted, e.g. \"in progress\"");
        }
        return TextNode.valueOf(s);
    }

    /** The normalised text: two predicates select the same entities when their canonical texts are equal. */
    public String canonical() {
        return canonical;
    }

    /**
     * Whether an entity is sent.
     *
     * @param value       the entity's current value on the sender (null or missing when it has none)
     * @param changeMillis the wall time of the change being sent
     * @param nowMillis   the sender's clock
     */
    public boolean test(JsonNode value, long changeMillis, long nowMillis) {
        for (Clause c : clauses) {
            if (c instanceof Age a) {
                if (nowMillis - changeMillis >= a.maxMillis()) {
                    return false;
                }
            } else if (c instanceof Field f) {
                JsonNode v = value;
                for (String seg : f.path()) {
                    v = v == null || !v.isObject() ? null : v.get(seg);
                }
                if (sameScalar(v, f.literal()) != f.equal()) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Whether any clause depends on the entity's value (so a state must be read to decide). */
    public boolean readsValue() {
        return clauses.stream().anyMatch(c -> c instanceof Field);
    }

    private static boolean sameScalar(JsonNode v, JsonNode literal) {
        if (v == null || v.isMissingNode()) {
            return false;
        }
        if (v.isNumber() && literal.isNumber()) {
            return new BigDecimal(v.asText()).compareTo(new BigDecimal(literal.asText())) == 0;
        }
        return v.equals(literal);
    }

    @Override
    public String toString() {
        return canonical;
    }

    /** A predicate text that does not follow the grammar. */
    public static final class InvalidPredicateException extends Exception {
        private static final long serialVersionUID = 1L;

        public InvalidPredicateException(String message) {
            super(message);
        }
    }
}

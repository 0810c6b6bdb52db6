package io.rhizome.core.internal.engine;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;

import io.rhizome.core.internal.protocol.MessageCodec;
import io.rhizome.core.internal.protocol.WellFormedText;

/** CBOR encoding of {@link ChangeSet}s and {@link Envelope}s, strict on decode. */
public final class ChangeSetCodec {

    /** The most ids a change set's policy point may name (the heads of a statement graph: a handful). */
    static final int MAX_POINT_IDS = 256;

    private final ObjectMapper cbor;

    public ChangeSetCodec() {
        CBORFactory factory = CBORFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(8)
                        .maxStringLength(MessageCodec.MAX_FRAME_BYTES).build())
                .build();
        cbor = new ObjectMapper(factory)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);
    }

    public byte[] encode(ChangeSet cs) {
        return write(cs);
    }

    public byte[] encode(Envelope e) {
        return write(e);
    }

    public byte[] encode(ScopedEnvelope e) {
        return write(e);
    }

    public byte[] encode(ScopedBody b) {
        return write(b);
    }

    public ScopedBody decodeScopedBody(byte[] bytes) throws InvalidChangeSetException {
        return read(bytes, ScopedBody.class);
    }

    /**
     * Decodes a log or wire entry: an {@link Envelope} (format 1) or a {@link ScopedEnvelope}
     * (format 2), told apart by the {@code version} field.
     */
    public LogRecord decodeEntry(byte[] bytes) throws InvalidChangeSetException {
        if (peekVersion(bytes) == ScopedEnvelope.VERSION) {
            ScopedEnvelope e = read(bytes, ScopedEnvelope.class);
            if (e.seq() < 1) {
                throw new InvalidChangeSetException("change-set number must be at least 1, got " + e.seq());
            }
            if (e.epoch() < Envelope.PLAIN_EPOCH) {
                throw new InvalidChangeSetException("invalid key epoch " + e.epoch());
            }
            return e;
        }
        return decodeEnvelope(bytes);
    }

    /** The top-level {@code version} field, or -1 if there is none or the bytes are not a map. */
    private int peekVersion(byte[] bytes) throws InvalidChangeSetException {
        if (bytes == null || bytes.length == 0) {
            throw new InvalidChangeSetException("empty Envelope");
        }
        // Fast path: records are written with their components in order, so "version" is the first
        // key: a map header, the text header 0x67 (7 bytes) "version", then a small unsigned int.
        if (bytes.length > 10 && ((bytes[0] & 0xFF) == 0xBF || (bytes[0] & 0xE0) == 0xA0) && bytes[1] == 0x67
                && bytes[2] == 'v' && bytes[3] == 'e' && bytes[4] == 'r' && bytes[5] == 's' && bytes[6] == 'i' && bytes[7] == 'o'
                && bytes[8] == 'n' && (bytes[9] & 0xFF) <= 0x17) {
            return bytes[9];
        }
        try (JsonParser p = cbor.getFactory().createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return -1;
            }
            for (int i = 0; i < 16 && p.nextToken() == JsonToken.FIELD_NAME; i++) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if ("version".equals(name)) {
                    return t == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : -1;
                }
                p.skipChildren();
            }
            return -1;
        } catch (IOException | RuntimeException e) {
            throw new InvalidChangeSetException("malformed Envelope: " + MessageCodec.firstLine(e.getMessage()), e);
        }
    }

    /**
     * Decodes a change set. Hand-written on the streaming parser (the receive path decodes one per
     * change set, and databind's reflective record creation was a top cost), as strict as the
     * mapper: every field exactly once, no unknown fields, no trailing bytes.
     */
    public ChangeSet decodeChangeSet(byte[] bytes) throws InvalidChangeSetException {
        try (JsonParser p = open(bytes, "ChangeSet")) {
            String namespace = null;
            String author = null;
            long seq = 0;
            long hlc = 0;
            Map<String, Long> deps = null;
            List<ChangeSet.Op> ops = null;
            List<String> point = List.of();
            int seen = 0;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                int bit;
                switch (name) {
                    case "namespace" -> { bit = 1; namespace = text(p, t, name); }
                    case "author" -> { bit = 2; author = text(p, t, name); }
                    case "seq" -> { bit = 4; seq = longValue(p, t, name); }
                    case "hlc" -> { bit = 8; hlc = longValue(p, t, name); }
                    case "deps" -> { bit = 16; deps = deps(p, t); }
                    case "ops" -> { bit = 32; ops = ops(p, t); }
                    case "policyPoint" -> { bit = 64; point = point(p, t); }
                    default -> throw new InvalidChangeSetException("malformed ChangeSet: unknown field '" + name + "'");
                }
                seen = once(seen, bit, name, "ChangeSet");
            }
            // policyPoint is optional: change sets written without a policy point do not carry it.
            finish(p, seen & 63, 63, "ChangeSet", "namespace, author, seq, hlc, deps, ops");
            return new ChangeSet(namespace, author, seq, hlc, deps, ops, point);
        } catch (IOException | RuntimeException e) {
            throw new InvalidChangeSetException("malformed ChangeSet: " + MessageCodec.firstLine(e.getMessage()), e);
        }
    }

    /** Decodes a format-1 envelope; strict like {@link #decodeChangeSet}. */
    public Envelope decodeEnvelope(byte[] bytes) throws InvalidChangeSetException {
        Envelope e;
        try (JsonParser p = open(bytes, "Envelope")) {
            int version = 0;
            String namespace = null;
            String author = null;
            long seq = 0;
            long epoch = 0;
            byte[] body = null;
            int seen = 0;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                int bit;
                switch (name) {
                    case "version" -> { bit = 1; version = (int) intValue(p, t, name); }
                    case "namespace" -> { bit = 2; namespace = text(p, t, name); }
                    case "author" -> { bit = 4; author = text(p, t, name); }
                    case "seq" -> { bit = 8; seq = longValue(p, t, name); }
                    case "epoch" -> { bit = 16; epoch = longValue(p, t, name); }
                    case "body" -> { bit = 32; body = binary(p, t, name); }
                    default -> throw new InvalidChangeSetException("malformed Envelope: unknown field '" + name + "'");
                }
                seen = once(seen, bit, name, "Envelope");
            }
            finish(p, seen, 63, "Envelope", "version, namespace, author, seq, epoch, body");
            e = new Envelope(version, namespace, author, seq, epoch, body);
        } catch (IOException | RuntimeException ex) {
            throw new InvalidChangeSetException("malformed Envelope: " + MessageCodec.firstLine(ex.getMessage()), ex);
        }
        if (e.version() != Envelope.VERSION) {
            throw new InvalidChangeSetException("change-set envelope version " + e.version() + " is not supported (this node reads "
                    + Envelope.VERSION + ")");
        }
        if (e.seq() < 1) {
            throw new InvalidChangeSetException("change-set number must be at least 1, got " + e.seq());
        }
        if (e.epoch() < Envelope.PLAIN_EPOCH) {
            throw new InvalidChangeSetException("invalid key epoch " + e.epoch());
        }
        return e;
    }

    private JsonParser open(byte[] bytes, String what) throws IOException, InvalidChangeSetException {
        if (bytes == null || bytes.length == 0) {
            throw new InvalidChangeSetException("empty " + what);
        }
        JsonParser p = cbor.getFactory().createParser(bytes);
        if (p.nextToken() != JsonToken.START_OBJECT) {
            p.close();
            throw new InvalidChangeSetException("malformed " + what + ": not a map");
        }
        return p;
    }

    private static int once(int seen, int bit, String name, String what) throws InvalidChangeSetException {
        if ((seen & bit) != 0) {
            throw new InvalidChangeSetException("malformed " + what + ": field '" + name + "' appears twice");
        }
        return seen | bit;
    }

    private static void finish(JsonParser p, int seen, int all, String what, String fields) throws IOException, InvalidChangeSetException {
        if (p.currentToken() != JsonToken.END_OBJECT) {
            throw new InvalidChangeSetException("malformed " + what + ": unexpected " + p.currentToken());
        }
        if (p.nextToken() != null) {
            throw new InvalidChangeSetException("malformed " + what + ": trailing bytes after the map");
        }
        if (seen != all) {
            throw new InvalidChangeSetException("malformed " + what + ": missing fields (needs " + fields + ")");
        }
    }

    private static String text(JsonParser p, JsonToken t, String name) throws IOException, InvalidChangeSetException {
        if (t != JsonToken.VALUE_STRING) {
            throw new InvalidChangeSetException("field '" + name + "' must be a string, got " + t);
        }
        return wellFormed(p.getText(), name);
    }

    /**
     * Refuses text with an unpaired UTF-16 surrogate: the CBOR parser makes one of the UTF-8
     * encoding of a lone surrogate (ED A0 80 and the like, forbidden by RFC 3629), and such a change
     * set cannot be encoded again (the change-set fuzz target found it in {@code author}).
     */
    private static String wellFormed(String s, String name) throws InvalidChangeSetException {
        if (!WellFormedText.wellFormed(s)) {
            throw new InvalidChangeSetException("field '" + name + "' is not valid UTF-8 text (it encodes an unpaired UTF-16 surrogate)");
        }
        return s;
    }

    private static long longValue(JsonParser p, JsonToken t, String name) throws IOException, InvalidChangeSetException {
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw new InvalidChangeSetException("field '" + name + "' must be an integer, got " + t);
        }
        return p.getLongValue();
    }

    private static long intValue(JsonParser p, JsonToken t, String name) throws IOException, InvalidChangeSetException {
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw new InvalidChangeSetException("field '" + name + "' must be an integer, got " + t);
        }
        return p.getIntValue();
    }

    private static byte[] binary(JsonParser p, JsonToken t, String name) throws IOException, InvalidChangeSetException {
        if (t == JsonToken.VALUE_EMBEDDED_OBJECT || t == JsonToken.VALUE_STRING) {
            return p.getBinaryValue();
        }
        throw new InvalidChangeSetException("field '" + name + "' must be bytes, got " + t);
    }

    private static Map<String, Long> deps(JsonParser p, JsonToken t) throws IOException, InvalidChangeSetException {
        if (t == JsonToken.VALUE_NULL) {
            return Map.of();
        }
        if (t != JsonToken.START_OBJECT) {
            throw new InvalidChangeSetException("field 'deps' must be a map, got " + t);
        }
        Map<String, Long> deps = new HashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String stream = wellFormed(p.currentName(), "deps");
            long v = longValue(p, p.nextToken(), "deps." + stream);
            if (deps.put(stream, v) != null) {
                throw new InvalidChangeSetException("field 'deps' names " + stream + " twice");
            }
        }
        return deps;
    }

    private static List<String> point(JsonParser p, JsonToken t) throws IOException, InvalidChangeSetException {
        if (t != JsonToken.START_ARRAY) {
            throw new InvalidChangeSetException("field 'policyPoint' must be an array of strings, got " + t);
        }
        List<String> ids = new ArrayList<>();
        JsonToken next;
        while ((next = p.nextToken()) == JsonToken.VALUE_STRING) {
            if (ids.size() == MAX_POINT_IDS) {
                throw new InvalidChangeSetException("field 'policyPoint' names more than " + MAX_POINT_IDS + " ids");
            }
            ids.add(wellFormed(p.getText(), "policyPoint"));
        }
        if (next != JsonToken.END_ARRAY) {
            throw new InvalidChangeSetException("field 'policyPoint' must hold strings, got " + next);
        }
        if (ids.isEmpty()) {
            throw new InvalidChangeSetException("field 'policyPoint' is empty; a change set without a policy point leaves it out");
        }
        return ids;
    }

    private static List<ChangeSet.Op> ops(JsonParser p, JsonToken t) throws IOException, InvalidChangeSetException {
        if (t == JsonToken.VALUE_NULL) {
            return List.of();
        }
        if (t != JsonToken.START_ARRAY) {
            throw new InvalidChangeSetException("field 'ops' must be an array, got " + t);
        }
        List<ChangeSet.Op> ops = new ArrayList<>();
        JsonToken next;
        while ((next = p.nextToken()) == JsonToken.START_OBJECT) {
            String key = null;
            String type = null;
            byte[] op = null;
            int seen = 0;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                int bit;
                switch (name) {
                    case "key" -> { bit = 1; key = text(p, v, name); }
                    case "type" -> { bit = 2; type = text(p, v, name); }
                    case "op" -> { bit = 4; op = binary(p, v, name); }
                    default -> throw new InvalidChangeSetException("malformed op: unknown field '" + name + "'");
                }
                seen = once(seen, bit, name, "op");
            }
            if (seen != 7) {
                throw new InvalidChangeSetException("malformed op: missing fields (needs key, type, op)");
            }
            ops.add(new ChangeSet.Op(key, type, op));
        }
        if (next != JsonToken.END_ARRAY) {
            throw new InvalidChangeSetException("field 'ops' must hold op maps, got " + next);
        }
        return ops;
    }

    private byte[] write(Object o) {
        try {
            return cbor.writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + o.getClass().getSimpleName(), e);
        }
    }

    private <T> T read(byte[] bytes, Class<T> type) throws InvalidChangeSetException {
        if (bytes == null || bytes.length == 0) {
            throw new InvalidChangeSetException("empty " + type.getSimpleName());
        }
        try {
            T value = cbor.readValue(bytes, type);
            if (value == null) {
                throw new InvalidChangeSetException("empty " + type.getSimpleName());
            }
            java.util.Optional<String> illFormed = WellFormedText.firstIllFormed(value);
            if (illFormed.isPresent()) {
                throw new InvalidChangeSetException("malformed " + type.getSimpleName() + ": the text of " + illFormed.get()
                        + " is not valid UTF-8 (it encodes an unpaired UTF-16 surrogate)");
            }
            return value;
        } catch (IOException | RuntimeException e) {
            throw new InvalidChangeSetException("malformed " + type.getSimpleName() + ": " + MessageCodec.firstLine(e.getMessage()), e);
        }
    }

    /** Bytes that are not a valid change set or envelope. */
    public static final class InvalidChangeSetException extends Exception {
        private static final long serialVersionUID = 1L;

        public InvalidChangeSetException(String message) {
            super(message);
        }

        public InvalidChangeSetException(String message, Throwable cause) {
            super(message, cause);
        }
    }

}

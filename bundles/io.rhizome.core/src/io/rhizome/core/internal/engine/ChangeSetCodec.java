package io.rhizome.core.internal.engine;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;

import io.rhizome.core.internal.protocol.MessageCodec;

/** CBOR encoding of {@link ChangeSet}s and {@link Envelope}s, strict on decode. */
public final class ChangeSetCodec {

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
    public Object decodeEntry(byte[] bytes) throws InvalidChangeSetException {
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

    public ChangeSet decodeChangeSet(byte[] bytes) throws InvalidChangeSetException {
        return read(bytes, ChangeSet.class);
    }

    public Envelope decodeEnvelope(byte[] bytes) throws InvalidChangeSetException {
        Envelope e = read(bytes, Envelope.class);
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

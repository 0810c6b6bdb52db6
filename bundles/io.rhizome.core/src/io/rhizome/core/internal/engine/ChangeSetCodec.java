package io.rhizome.core.internal.engine;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonProcessingException;
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

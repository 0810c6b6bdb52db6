package io.rhizome.core.internal.protocol;

import java.io.IOException;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;

/**
 * Encodes protocol messages as CBOR. Decoding is strict: unknown types, missing required fields,
 * frames over {@link #MAX_FRAME_BYTES} and text that is not valid UTF-8 (see {@link WellFormedText}) are
 * rejected with {@link ProtocolException}; no other
 * exception escapes for any input.
 */
public final class MessageCodec {

    /** The hard maximum size of one encoded message. */
    public static final int MAX_FRAME_BYTES = 16 * 1024 * 1024;

    private final ObjectMapper cbor;

    public MessageCodec() {
        CBORFactory factory = CBORFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(16)
                        .maxStringLength(MAX_FRAME_BYTES).build())
                .build();
        cbor = new ObjectMapper(factory)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    public byte[] encode(Message message) {
        try {
            return cbor.writeValueAsBytes(message);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + message.getClass().getSimpleName(), e);
        }
    }

    public Message decode(byte[] frame) throws ProtocolException {
        if (frame == null || frame.length == 0) {
            throw new ProtocolException(ProtocolException.MALFORMED, "empty frame");
        }
        if (frame.length > MAX_FRAME_BYTES) {
            throw new ProtocolException(ProtocolException.TOO_LARGE,
                    "frame of " + frame.length + " bytes exceeds the maximum of " + MAX_FRAME_BYTES);
        }
        try {
            Message m = cbor.readValue(frame, Message.class);
            if (m == null) {
                throw new ProtocolException(ProtocolException.MALFORMED, "frame decodes to nothing");
            }
            Optional<String> illFormed = WellFormedText.firstIllFormed(m);
            if (illFormed.isPresent()) {
                throw new ProtocolException(ProtocolException.MALFORMED, "malformed frame: the text of " + m.getClass().getSimpleName() + "."
                        + illFormed.get() + " is not valid UTF-8 (it encodes an unpaired UTF-16 surrogate)");
            }
            return m;
        } catch (IOException | RuntimeException e) {
            throw new ProtocolException(ProtocolException.MALFORMED, "malformed frame: " + firstLine(e.getMessage()), e);
        }
    }

    /** The first line of an exception message, so that errors stay one line. */
    public static String firstLine(String s) {
        if (s == null) {
            return "(no detail)";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}

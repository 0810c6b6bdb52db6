package io.rhizome.transport.libp2p.internal.multiformats;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The few protobuf (proto2/proto3 wire format) features libp2p's small messages need: varint and
 * length-delimited fields. Hand-written because the messages are tiny and fixed (PublicKey, the
 * Noise handshake payload, Identify) and a protobuf runtime would be the largest dependency of the
 * bundle.
 */
public final class Protobuf {

    private Protobuf() {
    }

    /** One decoded field: numeric value for wire type 0, bytes for wire type 2. */
    public record Field(int number, int wireType, long value, byte[] bytes) {
        /** The field's bytes as text; {@link MultiformatException} if they are not valid UTF-8. */
        public String string() {
            return Utf8.decode(bytes).orElseThrow(() -> new MultiformatException("protobuf field " + number + " is not valid UTF-8 text"));
        }
    }

    /** Writes fields in the order given. */
    public static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        public Writer varint(int field, long value) {
            out.writeBytes(Varint.encode((long) field << 3));
            out.writeBytes(Varint.encode(value));
            return this;
        }

        public Writer bytes(int field, byte[] value) {
            out.writeBytes(Varint.encode(((long) field << 3) | 2));
            out.writeBytes(Varint.encode(value.length));
            out.writeBytes(value);
            return this;
        }

        public Writer string(int field, String value) {
            return bytes(field, value.getBytes(StandardCharsets.UTF_8));
        }

        public byte[] toByteArray() {
            return out.toByteArray();
        }
    }

    /** Decodes every field; unknown wire types 1 and 5 are skipped, groups are rejected. */
    public static List<Field> decode(byte[] message) {
        List<Field> fields = new ArrayList<>();
        int pos = 0;
        while (pos < message.length) {
            long[] key = Varint.decode(message, pos);
            pos += (int) key[1];
            int number = (int) (key[0] >>> 3);
            int wireType = (int) (key[0] & 7);
            if (number == 0) {
                throw new MultiformatException("protobuf field number 0");
            }
            switch (wireType) {
                case 0 -> {
                    long[] v = Varint.decode(message, pos);
                    pos += (int) v[1];
                    fields.add(new Field(number, 0, v[0], null));
                }
                case 2 -> {
                    long[] len = Varint.decode(message, pos);
                    pos += (int) len[1];
                    if (len[0] > message.length - pos) {
                        throw new MultiformatException("protobuf field " + number + " length " + len[0]
                                + " exceeds the message");
                    }
                    byte[] b = new byte[(int) len[0]];
                    System.arraycopy(message, pos, b, 0, b.length);
                    pos += b.length;
                    fields.add(new Field(number, 2, 0, b));
                }
                case 1 -> pos = skip(message, pos, 8, number);
                case 5 -> pos = skip(message, pos, 4, number);
                default -> throw new MultiformatException("unsupported protobuf wire type " + wireType
                        + " for field " + number);
            }
        }
        return fields;
    }

    private static int skip(byte[] message, int pos, int n, int number) {
        if (pos + n > message.length) {
            throw new MultiformatException("truncated protobuf field " + number);
        }
        return pos + n;
    }
}

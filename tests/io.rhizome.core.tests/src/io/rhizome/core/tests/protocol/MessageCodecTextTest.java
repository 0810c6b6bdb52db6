package io.rhizome.core.tests.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.rhizome.core.internal.protocol.Message;
import io.rhizome.core.internal.protocol.MessageCodec;
import io.rhizome.core.internal.protocol.ProtocolException;

/**
 * Text from the wire that is not valid UTF-8 is refused with the typed protocol error: the CBOR
 * decoder alone turns the 3-byte encoding of a lone surrogate into a Java string that cannot be
 * encoded again (fuzzing found it, tests/fuzz/regressions/sync-message/hello-ack-lone-surrogate).
 */
class MessageCodecTextTest {

    private static final MessageCodec CODEC = new MessageCodec();
    private static final byte[] LONE_SURROGATE = {(byte) 0xED, (byte) 0xA0, (byte) 0x80}; // U+D800 as UTF-8, forbidden by RFC 3629

    @Test
    void aHelloAckWhoseDeviceIdHasALoneSurrogateIsMalformed() {
        byte[] frame = replace(CODEC.encode(new Message.HelloAck("1.0.0", "dev-abc", List.of("notes"), "rhizome/0.1")), "abc", LONE_SURROGATE);
        ProtocolException e = assertThrows(ProtocolException.class, () -> CODEC.decode(frame));
        assertEquals(ProtocolException.MALFORMED, e.code());
        assertTrue(e.getMessage().contains("HelloAck.deviceId"), e.getMessage());
        assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());
    }

    @Test
    void aLoneSurrogateInAListOrAMapKeyIsMalformed() {
        byte[] hello = replace(CODEC.encode(new Message.Hello("1.0.0", "device-a", List.of("ns-abc"), "rhizome/0.1")), "abc", LONE_SURROGATE);
        assertEquals(ProtocolException.MALFORMED, assertThrows(ProtocolException.class, () -> CODEC.decode(hello)).code());
        byte[] request = replace(CODEC.encode(new Message.SyncRequest(Map.of("notes/abc", 3L))), "abc", LONE_SURROGATE);
        ProtocolException e = assertThrows(ProtocolException.class, () -> CODEC.decode(request));
        assertEquals(ProtocolException.MALFORMED, e.code());
        assertTrue(e.getMessage().contains("versions{key}"), e.getMessage());
    }

    @Test
    void bytesThatAreNoUtf8AtAllAreMalformed() {
        byte[] frame = replace(CODEC.encode(new Message.HelloAck("1.0.0", "dev-abc", List.of(), "rhizome/0.1")), "abc",
                new byte[] {(byte) 0xFF, (byte) 0xFE, (byte) 0xC0});
        assertEquals(ProtocolException.MALFORMED, assertThrows(ProtocolException.class, () -> CODEC.decode(frame)).code());
    }

    @Test
    void aSurrogatePairEncodedAsFourBytesIsText() throws ProtocolException {
        String id = "dev-\uD83D\uDE00"; // U+1F600, a pair in UTF-16, four bytes in UTF-8
        Message m = CODEC.decode(CODEC.encode(new Message.HelloAck("1.0.0", id, List.of(), "rhizome/0.1")));
        assertEquals(id, ((Message.HelloAck) m).deviceId());
    }

    private static byte[] replace(byte[] frame, String what, byte[] with) {
        byte[] w = what.getBytes(StandardCharsets.UTF_8);
        assertEquals(w.length, with.length, "the replacement keeps the length, so the CBOR length prefix stays right");
        for (int i = 0; i + w.length <= frame.length; i++) {
            if (java.util.Arrays.equals(frame, i, i + w.length, w, 0, w.length)) {
                byte[] out = frame.clone();
                System.arraycopy(with, 0, out, i, with.length);
                return out;
            }
        }
        throw new AssertionError("'" + what + "' is not in the encoded frame");
    }
}

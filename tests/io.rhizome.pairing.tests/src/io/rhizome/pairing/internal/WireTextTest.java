package io.rhizome.pairing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Pairing and mesh-update messages whose text is not valid UTF-8 are refused with the typed error:
 * Jackson's CBOR decoder turns the 3-byte encoding of a lone surrogate (ED A0 80) into a string that
 * cannot be encoded again. tests/fuzz/regressions/pairing/ holds the same case as fuzz inputs.
 */
class WireTextTest {

    private static final byte[] LONE_SURROGATE = {(byte) 0xED, (byte) 0xA0, (byte) 0x80};

    @Test
    void aLoneSurrogateInAMemberAddressIsRefused() {
        ObjectNode mesh = Wire.message("mesh");
        mesh.putArray("members").addObject().put("device", "dev").putArray("addresses").add("libp2p /ip4/abc.0.0.1/tcp/4001");
        byte[] bytes = replace(Wire.encode(mesh), "abc");
        PairingProtocolException e = assertThrows(PairingProtocolException.class, () -> Wire.decode(bytes));
        assertTrue(e.getMessage().contains("message.members[].addresses[]"), e.getMessage());
        assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());
    }

    @Test
    void aLoneSurrogateInAKeyIsRefused() {
        ObjectNode m = Wire.message("announce");
        m.put("abc", 1);
        byte[] bytes = replace(Wire.encode(m), "abc");
        PairingProtocolException e = assertThrows(PairingProtocolException.class, () -> Wire.decode(bytes));
        assertTrue(e.getMessage().contains("a key in message"), e.getMessage());
    }

    @Test
    void textWithAPairIsRead() throws PairingProtocolException {
        ObjectNode m = Wire.message("announce");
        m.put("name", "laptop \uD83D\uDE00");
        assertEquals("laptop \uD83D\uDE00", Wire.decode(Wire.encode(m)).get("name").textValue());
    }

    private static byte[] replace(byte[] message, String what) {
        byte[] w = what.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i + w.length <= message.length; i++) {
            if (Arrays.equals(message, i, i + w.length, w, 0, w.length)) {
                byte[] out = message.clone();
                System.arraycopy(LONE_SURROGATE, 0, out, i, LONE_SURROGATE.length);
                return out;
            }
        }
        throw new AssertionError("'" + what + "' is not in the message");
    }
}

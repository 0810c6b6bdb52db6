package io.rhizome.transport.libp2p.tests;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Base64;

import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.rhizome.transport.libp2p.internal.IdentifyInfo;
import io.rhizome.transport.libp2p.internal.mdns.DnsMessage;
import io.rhizome.transport.libp2p.internal.multiformats.MultiformatException;
import io.rhizome.transport.libp2p.internal.multistream.MultistreamException;
import io.rhizome.transport.libp2p.internal.multistream.MultistreamSelect;
import io.rhizome.transport.libp2p.internal.noise.HandshakePayload;
import io.rhizome.transport.libp2p.internal.noise.NoiseException;
import io.rhizome.transport.libp2p.internal.noise.NoiseXX;

/**
 * Inputs the fuzz targets found (tests/fuzz, issue 17), each answered with the decoder's typed
 * error now. The same bytes are in tests/fuzz/regressions/TARGET/, where every fuzz run replays them.
 */
class FuzzFindingsTest {

    private static byte[] b64(String s) {
        return Base64.getDecoder().decode(s);
    }

    /**
     * A PTR record whose target name runs past the record's data (into the next record): the name was
     * read with the packet as its bound, then the position set past the record's end, and
     * {@code ByteBuffer.position} threw an IllegalArgumentException instead of a DnsException.
     */
    @Test
    void ptrNamePastItsRecordIsADnsError() {
        for (String input : new String[] {
            // tests/fuzz/regressions/mdns/ptr-name-past-record-1
            "AACEAAAAAAEAAAABBF9wMnAEX3VkcAVsb2NhbAAADAABAAAAeAAXBXBlZXIxBF9wMnAEX3VkcAVsb2Nha/YFcGVlcjEEX3AycARfdWRwBWxvY2FsAHBuABAAAQAAAHgAWVhk"
                    + "/3NhZGRyPS9pcDQvMTI3LjAuMC4xL3RjcC80MDAxLzNLb29XRHBKN0FzN0JXQXdSTWZ1MVZVMisBAgALZGV2aWNlLWZ1enoDAmt4Nm5YVE4=",
            // tests/fuzz/regressions/mdns/ptr-name-past-record-2
            "AACEAAAAAAEAAAABBF9wMnAEX3VkcAVsb2NhbAAADAABAAC5AAAAAAAAAHIxBF9wMnAEX3VkcAVsb2NhbAAFcGVlcjEEX3AycARfdWRwBWxvY2FsAAAQAAEAAAB4AFlY"
                    + "ZG5zYWRkcj0vaXA0LzEyNy4wLjAuMS90Y3AvNDAwMS9wMnAvMTJEM0tvb1dEcEo3QXM3QldBd1JNZnUxVlUyV0NxTmp2cTM4N0pFWUtEQmo0a3g2blhUTg==",
        }) {
            byte[] packet = b64(input);
            DnsMessage.DnsException e = assertThrows(DnsMessage.DnsException.class, () -> DnsMessage.decode(packet, packet.length));
            assertTrue(e.getMessage().contains("runs past"), e.getMessage());
        }
    }

    /**
     * A handshake payload whose identity key is 32 bytes that are not a point on Ed25519: Bouncy
     * Castle's key constructor threw an IllegalArgumentException out of {@code verify}, past the
     * Noise handler's NoiseException handling. tests/fuzz/regressions/noise/identity-key-off-curve
     * (its first byte is the target's selector).
     */
    @Test
    void identityKeyOffTheCurveIsANoiseError() throws Exception {
        byte[] input = b64("AgokCAESIMaCJjfH0xDsV2J74AuiWdJTdJ9Kr2REcM/75To19ydCEkATjUSA43Q57LD8XN0QW+f4B6mfWzNegL95PvCNBNqLCSm7Mil+JW5dAIVYmGIMNRvpqWfbDGmSVG0uiebdB2AE");
        HandshakePayload payload = HandshakePayload.decode(Arrays.copyOfRange(input, 1, input.length));
        byte[] remoteStatic = NoiseXX.publicKey(new byte[32]);
        NoiseException e = assertThrows(NoiseException.class, () -> payload.verify(remoteStatic));
        assertTrue(e.getMessage().contains("not an Ed25519 public key"), e.getMessage());
    }

    /*
     * Text that is not UTF-8 (here ED A0 80, the encoding of a lone surrogate, which RFC 3629
     * forbids): it was read with new String(bytes, UTF_8), which puts U+FFFD in its place, so a peer's
     * name, protocol or label was taken as other text than it sent. Each decoder refuses it now.
     */

    /** tests/fuzz/regressions/mdns/label-not-utf8: a question whose first label is ED A0 80. */
    @Test
    void aDnsLabelThatIsNotUtf8IsADnsError() {
        byte[] packet = b64("AAEAAAABAAAAAAAABF/toIAEX3VkcAVsb2NhbAAADAAB");
        DnsMessage.DnsException e = assertThrows(DnsMessage.DnsException.class, () -> DnsMessage.decode(packet, packet.length));
        assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());
    }

    /** tests/fuzz/regressions/identify/protocol-version-not-utf8 (after its selector byte): protocolVersion "ipfs/" ED A0 80 ".0". */
    @Test
    void anIdentifyStringThatIsNotUtf8IsAMultiformatError() {
        byte[] input = b64("AAokCAESIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEjEEfwAAAQYPoaUDJgAkCAESIDtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdopEhQp"
                + "AAAAAAAAAAAAAAAAAAAAAQYPohoTL3JoaXpvbWUvc3luYy8xLjAuMCIUKQAAAAAAAAAAAAAAAAAAAAEGD6IqCmlwZnMv7aCALjAyC3JoaXpvbWUvMC4x");
        byte[] message = Arrays.copyOfRange(input, 1, input.length);
        MultiformatException e = assertThrows(MultiformatException.class, () -> IdentifyInfo.decode(message));
        assertTrue(e.getMessage().contains("field 5 is not valid UTF-8"), e.getMessage());
    }

    /** tests/fuzz/regressions/multistream/protocol-name-not-utf8 (after its selector byte): the header "/multistream/" ED A0 80 ".0". */
    @Test
    void aMultistreamMessageThatIsNotUtf8IsAMultistreamError() {
        byte[] input = b64("ABMvbXVsdGlzdHJlYW0v7aCALjAKA2xzCg0vb3RoZXIvMS4wLjAKFC9yaGl6b21lL3N5bmMvMS4wLjAK");
        MultistreamSelect listener = MultistreamSelect.listener(java.util.Set.of("/rhizome/sync/1.0.0"));
        ByteBuf in = Unpooled.wrappedBuffer(input, 1, input.length - 1);
        ByteBuf out = Unpooled.buffer();
        listener.start(out);
        MultistreamException e = assertThrows(MultistreamException.class, () -> listener.receive(in, out));
        assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());
    }
}

package io.rhizome.transport.wireguard.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.rhizome.transport.wireguard.internal.uapi.AllowedIp;
import io.rhizome.transport.wireguard.internal.uapi.DeviceState;
import io.rhizome.transport.wireguard.internal.uapi.PeerState;
import io.rhizome.transport.wireguard.internal.uapi.UapiException;
import io.rhizome.transport.wireguard.internal.uapi.UapiParser;
import io.rhizome.transport.wireguard.internal.uapi.UapiText;
import io.rhizome.transport.wireguard.internal.uapi.WgKey;

/** The get=1 answer as wireguard-go writes it (captured from v0.0.20220316), and answers that break the protocol. */
class UapiParserTest {

    private static final String PRIV = "2048b30609c51c96e35e2279a674360f6fa1c0553db4ecb5ecd8a26b7c19c05e";
    private static final String PEER1 = "470e0cddfbb5eb1d8fddf3a33fc69b659aea174c92f220c96af592bac1146119";
    private static final String PEER2 = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";

    private static List<String> lines(String text) {
        return Arrays.asList(text.split("\n"));
    }

    @Test
    void aDeviceWithTwoPeersIsReadWithHandshakeBytesEndpointAndAllowedIps() throws Exception {
        DeviceState s = UapiParser.device(lines("private_key=" + PRIV + "\nlisten_port=51820\nfwmark=0\n"
                + "public_key=" + PEER1 + "\npreshared_key=" + "0".repeat(64) + "\nprotocol_version=1\n"
                + "endpoint=10.99.0.2:51820\nlast_handshake_time_sec=1700000000\nlast_handshake_time_nsec=5\n"
                + "tx_bytes=708\nrx_bytes=652\npersistent_keepalive_interval=25\nallowed_ip=fd00:99::2/128\nallowed_ip=10.1.0.0/16\n"
                + "public_key=" + PEER2 + "\nendpoint=[fd00::7]:4000\nlast_handshake_time_sec=0\nlast_handshake_time_nsec=0\n"
                + "tx_bytes=0\nrx_bytes=0\npersistent_keepalive_interval=0\nsome_future_key=whatever\nerrno=0\n\n"));
        assertEquals(WgKey.fromHex(PRIV).publicKey(), s.publicKey().orElseThrow(), "the private key is kept only as its public half");
        assertEquals(51820, s.listenPort());
        assertEquals(2, s.peers().size());
        PeerState p1 = s.peer(WgKey.fromHex(PEER1)).orElseThrow();
        assertEquals(new InetSocketAddress(UapiText.literalAddress("10.99.0.2"), 51820), p1.endpoint().orElseThrow());
        assertEquals(Instant.ofEpochSecond(1_700_000_000L, 5), p1.lastHandshake().orElseThrow());
        assertEquals(652, p1.rxBytes());
        assertEquals(708, p1.txBytes());
        assertEquals(25, p1.keepaliveSeconds());
        assertEquals(List.of(AllowedIp.parse("fd00:99::2/128"), AllowedIp.parse("10.1.0.0/16")), p1.allowedIps());
        PeerState p2 = s.peer(WgKey.fromHex(PEER2)).orElseThrow();
        assertTrue(p2.lastHandshake().isEmpty(), "a zero handshake time means none yet");
        assertEquals(4000, p2.endpoint().orElseThrow().getPort());
        assertTrue(p2.allowedIps().isEmpty());
    }

    @Test
    void answersThatBreakTheProtocolAreRefusedWithWhatWasWrong() {
        UapiException noErrno = assertThrows(UapiException.class, () -> UapiParser.device(lines("listen_port=1\n")));
        assertTrue(noErrno.getMessage().contains("no errno line"), noErrno.getMessage());
        UapiException refused = assertThrows(UapiException.class, () -> UapiParser.device(lines("errno=-22\n")));
        assertEquals(-22, refused.errno());
        UapiException orphan = assertThrows(UapiException.class, () -> UapiParser.device(lines("rx_bytes=5\nerrno=0\n")));
        assertTrue(orphan.getMessage().contains("rx_bytes before any public_key"), orphan.getMessage());
        UapiException badEndpoint = assertThrows(UapiException.class,
                () -> UapiParser.device(lines("public_key=" + PEER1 + "\nendpoint=fd00::1:80\nerrno=0\n")));
        assertTrue(badEndpoint.getMessage().contains("[address]:port"), badEndpoint.getMessage());
        UapiException named = assertThrows(UapiException.class,
                () -> UapiParser.device(lines("public_key=" + PEER1 + "\nendpoint=example.org:80\nerrno=0\n")));
        assertTrue(named.getMessage().contains("not a literal IP address"), "names are never resolved: " + named.getMessage());
        UapiException notKv = assertThrows(UapiException.class, () -> UapiParser.device(lines("garbage\nerrno=0\n")));
        assertTrue(notKv.getMessage().contains("not key=value"), notKv.getMessage());
    }

    @Test
    void endpointsAndAllowedIpsRoundTripInBothFamilies() {
        for (String e : List.of("10.0.0.1:51820", "[fd00::1]:1")) {
            assertEquals(e, UapiText.formatEndpoint(UapiText.parseEndpoint(e)));
        }
        assertEquals("fd00::5/128", AllowedIp.parse("fd00:0:0:0:0:0:0:5/128").toString(), "IPv6 in the RFC 5952 short form");
        assertEquals("fd00:0:1::", UapiText.format(UapiText.literalAddress("fd00:0:1:0:0:0:0:0")), "the longest zero run is folded");
        assertEquals("1:0:2::3:0", UapiText.format(UapiText.literalAddress("1:0:2:0:0:0:3:0")), "a single zero group is not folded");
        assertEquals("::", UapiText.format(UapiText.literalAddress("::")));
        IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class, () -> AllowedIp.parse("10.0.0.0/33"));
        assertTrue(tooLong.getMessage().contains("outside 0..32"), tooLong.getMessage());
        IllegalArgumentException port = assertThrows(IllegalArgumentException.class, () -> UapiText.parseEndpoint("10.0.0.1:70000"));
        assertTrue(port.getMessage().contains("outside 1..65535"), port.getMessage());
    }
}

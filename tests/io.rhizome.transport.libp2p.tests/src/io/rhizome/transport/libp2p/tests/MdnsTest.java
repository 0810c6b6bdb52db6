package io.rhizome.transport.libp2p.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.rhizome.transport.libp2p.internal.mdns.DnsMessage;
import io.rhizome.transport.libp2p.internal.mdns.MdnsPeerDiscovery;
import io.rhizome.transport.libp2p.internal.mdns.MdnsPeerDiscovery.DiscoveredPeer;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.multiformats.PeerId;

/**
 * libp2p mDNS messages without a network: our query and answer against packets built by js-libp2p's
 * @libp2p/mdns (resources/mdns-js-vectors.json, from js/mdns-vectors.mjs), our answer parsed by
 * js-libp2p's own response handling, and malformed packets.
 */
class MdnsTest {

    private static Map<String, String> js;
    private static final PeerId SELF = PeerId.fromEd25519(new byte[32]);
    private static final Multiaddr SELF_ADDR = Multiaddr.parse("/ip4/10.1.2.3/tcp/4242").withPeerId(SELF);

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = MdnsTest.class.getResourceAsStream("/resources/mdns-js-vectors.json")) {
            String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            js = new HashMap<>();
            Matcher m = Pattern.compile("\"(\\w+)\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
            while (m.find()) {
                js.put(m.group(1), m.group(2));
            }
        }
    }

    private static MdnsPeerDiscovery discovery() {
        return new MdnsPeerDiscovery(SELF, () -> List.of(SELF_ADDR.withoutPeerId()), p -> {
        }, Duration.ofSeconds(10));
    }

    private static DnsMessage decode(byte[] b) {
        return DnsMessage.decode(b, b.length);
    }

    @Test
    void ourQueryIsByteIdenticalToJsLibp2ps() {
        assertEquals(js.get("query"), Hex.of(MdnsPeerDiscovery.queryPacket()));
    }

    @Test
    void jsLibp2pAnswerIsUnderstood() {
        List<DiscoveredPeer> found = discovery().discovered(decode(Hex.bytes(js.get("response"))));
        assertEquals(1, found.size());
        assertEquals(PeerId.parse(js.get("peerId")), found.get(0).peer());
        assertEquals(List.of(Multiaddr.parse(js.get("addr0")), Multiaddr.parse(js.get("addr1"))), found.get(0).addresses());
    }

    @Test
    void jsLibp2pQueryIsAnsweredAndTheAnswerRoundTrips() {
        MdnsPeerDiscovery us = discovery();
        byte[] answer = us.answer(decode(Hex.bytes(js.get("query")))).orElseThrow();
        DnsMessage m = decode(answer);
        assertTrue(m.response());
        assertEquals(us.peerName() + "." + MdnsPeerDiscovery.SERVICE, DnsMessage.ptrTarget(m.answers().get(0)));
        assertEquals(List.of("dnsaddr=" + SELF_ADDR), m.additionals().get(0).txtStrings());

        MdnsPeerDiscovery other = new MdnsPeerDiscovery(PeerId.fromEd25519(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
            13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32}), List::of, p -> {
            }, Duration.ofSeconds(10));
        assertEquals(List.of(new DiscoveredPeer(SELF, List.of(SELF_ADDR))), other.discovered(m));
        // our own answer is not a discovery
        assertTrue(us.discovered(m).isEmpty());
        // answers and other services are not questions for us
        assertTrue(us.answer(m).isEmpty());
        byte[] otherService = new DnsMessage(0, false, List.of(new DnsMessage.Question("_http._tcp.local", 12, 1)),
                List.of(), List.of()).encode();
        assertTrue(us.answer(decode(otherService)).isEmpty());
    }

    @Test
    void jsLibp2pParsesOurAnswer() throws Exception {
        byte[] answer = discovery().answer(decode(MdnsPeerDiscovery.queryPacket())).orElseThrow();
        Process p = new ProcessBuilder("node", "mdns-parse.mjs", Hex.of(answer)).directory(JsPeer.jsDir())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String line;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            line = r.readLine();
        }
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals("{\"peerId\":\"" + SELF + "\",\"multiaddrs\":[\"" + SELF_ADDR.withoutPeerId() + "\"]}", line);
    }

    @Test
    void malformedPacketsAreRejected() {
        // pointer loop: a name that points at itself
        byte[] loop = Hex.bytes("000084000000000100000000c00c000c00010000007800020000");
        assertThrows(DnsMessage.DnsException.class, () -> decode(loop));
        byte[] truncated = Hex.bytes(js.get("response").substring(0, 120));
        assertThrows(DnsMessage.DnsException.class, () -> decode(truncated));
        byte[] tooShort = new byte[5];
        assertThrows(DnsMessage.DnsException.class, () -> DnsMessage.decode(tooShort, 5));
        byte[] bogusCounts = Hex.bytes("0000840000ff00ff00ff00ff");
        assertThrows(DnsMessage.DnsException.class, () -> decode(bogusCounts));
    }
}

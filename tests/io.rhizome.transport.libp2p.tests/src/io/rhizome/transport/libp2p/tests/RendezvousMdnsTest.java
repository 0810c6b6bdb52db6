package io.rhizome.transport.libp2p.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.rhizome.transport.libp2p.internal.mdns.DnsMessage;
import io.rhizome.transport.libp2p.internal.mdns.MdnsPeerDiscovery;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.multiformats.PeerId;

/** Rendezvous and discovery messages without a network: who answers what, and which addresses come first. */
class RendezvousMdnsTest {

    private static final PeerId A = PeerId.fromEd25519(new byte[32]);
    private static final PeerId B = PeerId.fromEd25519(filled(7));
    private static final Multiaddr A_LAN = Multiaddr.parse("/ip4/192.168.1.20/tcp/4001");
    private static final Multiaddr A_LO = Multiaddr.parse("/ip4/127.0.0.1/tcp/4001");

    private static byte[] filled(int v) {
        byte[] b = new byte[32];
        java.util.Arrays.fill(b, (byte) v);
        return b;
    }

    private static DnsMessage decode(byte[] b) {
        return DnsMessage.decode(b, b.length);
    }

    private static MdnsPeerDiscovery node(PeerId self, Duration interval, Set<String> keys) {
        return new MdnsPeerDiscovery(self, () -> List.of(A_LO, A_LAN), p -> {
        }, interval, () -> keys);
    }

    @Test
    void anAdvertiserAnswersQueriesForItsKeyOnlyAndTheFinderReadsItsAddresses() {
        MdnsPeerDiscovery advertiser = node(A, null, Set.of("k3y-One", "other"));
        MdnsPeerDiscovery finder = node(B, null, Set.of());
        byte[] answer = advertiser.answerRendezvous(decode(MdnsPeerDiscovery.rendezvousQuery("k3y-one"))).orElseThrow();
        DnsMessage m = decode(answer);
        assertTrue(m.response());
        // only the asked key is revealed, case-insensitively (DNS names are)
        assertEquals(List.of("k3y-one." + MdnsPeerDiscovery.RENDEZVOUS_SERVICE),
                m.answers().stream().map(DnsMessage::ptrTarget).map(String::toLowerCase).toList());
        assertEquals(List.of(A_LO.withPeerId(A), A_LAN.withPeerId(A)), finder.rendezvousFound(m, "K3Y-ONE"));
        assertTrue(finder.rendezvousFound(m, "other").isEmpty());
        // the advertiser does not find itself, and queries for keys it does not have get no answer
        assertTrue(advertiser.rendezvousFound(m, "k3y-one").isEmpty());
        assertTrue(advertiser.answerRendezvous(decode(MdnsPeerDiscovery.rendezvousQuery("nope"))).isEmpty());
        assertTrue(finder.answerRendezvous(decode(MdnsPeerDiscovery.rendezvousQuery("k3y-one"))).isEmpty());
        // answers are not questions
        assertTrue(advertiser.answerRendezvous(m).isEmpty());
    }

    @Test
    void aBrowseOfTheServiceListsEveryKeyAndRendezvousOnlyNodesStayOutOfPeerDiscovery() {
        MdnsPeerDiscovery advertiser = node(A, null, Set.of("one", "two"));
        byte[] browse = new DnsMessage(0, false, List.of(new DnsMessage.Question(MdnsPeerDiscovery.RENDEZVOUS_SERVICE,
                DnsMessage.TYPE_PTR, DnsMessage.CLASS_IN)), List.of(), List.of()).encode();
        DnsMessage m = decode(advertiser.answerRendezvous(decode(browse)).orElseThrow());
        assertEquals(2, m.answers().size());
        // with peer discovery off it neither answers nor reports _p2p._udp.local
        assertTrue(advertiser.answer(decode(MdnsPeerDiscovery.queryPacket())).isEmpty());
        MdnsPeerDiscovery discovering = node(B, Duration.ofSeconds(10), Set.of());
        byte[] p2pAnswer = discovering.answer(decode(MdnsPeerDiscovery.queryPacket())).orElseThrow();
        assertTrue(advertiser.discovered(decode(p2pAnswer)).isEmpty());
        assertEquals(1, node(A, Duration.ofSeconds(10), Set.of()).discovered(decode(p2pAnswer)).size());
    }

    @Test
    void theAddressTheAnnouncementCameFromComesFirst() throws Exception {
        List<Multiaddr> addrs = List.of(A_LO, Multiaddr.parse("/ip6/::1/tcp/4001"), A_LAN);
        assertEquals(List.of(A_LAN, A_LO, Multiaddr.parse("/ip6/::1/tcp/4001")),
                MdnsPeerDiscovery.preferSource(addrs, InetAddress.getByName("192.168.1.20")));
        assertEquals(addrs, MdnsPeerDiscovery.preferSource(addrs, InetAddress.getByName("127.0.0.1")));
        assertEquals(addrs, MdnsPeerDiscovery.preferSource(addrs, InetAddress.getByName("10.0.0.9")));
    }
}

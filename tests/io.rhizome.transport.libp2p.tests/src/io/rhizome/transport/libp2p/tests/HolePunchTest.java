package io.rhizome.transport.libp2p.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.rhizome.transport.libp2p.internal.KeyServiceSigner;
import io.rhizome.transport.libp2p.internal.Libp2pConnection;
import io.rhizome.transport.libp2p.internal.Libp2pHost;
import io.rhizome.transport.libp2p.internal.autonat.AutoNatMessage;
import io.rhizome.transport.libp2p.internal.autonat.AutoNatService;
import io.rhizome.transport.libp2p.internal.holepunch.HolePunchMessage;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.relay.RelayAttachment;
import io.rhizome.transport.libp2p.internal.relay.RelayLimits;
import io.rhizome.transport.libp2p.internal.relay.RelayService;

/**
 * DCUtR and AutoNAT between real hosts on loopback: a relayed connection is upgraded to a direct one
 * by the hole punch (both dial from their listen ports; on loopback one dial reaches the other's
 * listener or both meet in a simultaneous open), the relayed one closes; AutoNAT dial-backs say
 * public, an undialable address says private, and an address of another IP is never dialed.
 */
class HolePunchTest {

    private static final long WAIT_MILLIS = 30_000;
    private final List<Libp2pHost> hosts = new ArrayList<>();
    private final List<RelayAttachment> attachments = new ArrayList<>();

    @AfterEach
    void stop() {
        attachments.forEach(RelayAttachment::detach);
        hosts.forEach(Libp2pHost::stop);
    }

    private Libp2pHost relay() throws Exception {
        KeyServiceSigner signer = new KeyServiceSigner(TestKeys.random());
        Libp2pHost h = new Libp2pHost(signer, Nodes.config());
        RelayService.install(h, signer, RelayLimits.defaults());
        AutoNatService.install(h, false);
        h.start();
        hosts.add(h);
        return h;
    }

    private Libp2pHost device(RelayAttachment attachment) throws Exception {
        Libp2pHost h = Nodes.host();
        attachment.attach(h);
        h.start();
        hosts.add(h);
        attachments.add(attachment);
        return h;
    }

    @Test
    void aRelayedConnectionIsUpgradedToAHolePunchedOneAndTheRelayedOneCloses() throws Exception {
        Libp2pHost relay = relay();
        Multiaddr relayAddr = relay.listenAddresses().get(0);
        RelayAttachment bNat = new RelayAttachment(List.of(relayAddr));
        Libp2pHost b = device(bNat);
        RelayAttachment aNat = new RelayAttachment(List.of());
        Libp2pHost a = device(aNat);
        await("B holds a reservation", () -> !bNat.circuitAddresses().isEmpty());

        Libp2pConnection relayed = a.dial(bNat.circuitAddresses().get(0)).get(30, TimeUnit.SECONDS);
        assertTrue(relayed.isRelayed());

        await("both see the peer as hole-punched", () -> "hole-punched".equals(RelayAttachment.routes(a).get(b.peerId().toBase58()))
                && "hole-punched".equals(RelayAttachment.routes(b).get(a.peerId().toBase58())));
        await("the relayed connection closes", () -> !relayed.isOpen());
        Libp2pConnection direct = a.connectionTo(b.peerId()).orElseThrow();
        assertFalse(direct.isRelayed());
        assertTrue(direct.ping().get(10, TimeUnit.SECONDS).toNanos() > 0, "the direct connection carries streams");
        assertEquals(Map.of("succeeded", 1L, "failed", 0L), bNat.holePunches());
    }

    /**
     * A device keeps trying to reserve on its relays: the first attempt runs as the attachment is made,
     * before its host listens (as in the node), fails at once, and the retry must still come. A race
     * lost it (the first attempt's failure scheduled the retry before the keeper had recorded the first
     * attempt, and recording it then cancelled the retry): one daemon of tests/nat/run.sh never
     * reserved. The race was lost about one time in two there; eight devices make missing it unlikely.
     */
    @Test
    void aReservationFirstTriedBeforeTheHostListensIsMadeOnceItDoes() throws Exception {
        Multiaddr relayAddr = relay().listenAddresses().get(0);
        for (int i = 0; i < 8; i++) {
            RelayAttachment nat = new RelayAttachment(List.of(relayAddr));
            Libp2pHost device = Nodes.host();
            nat.attach(device); // the first attempt runs now, before the host listens
            attachments.add(nat);
            hosts.add(device);
            device.start();
            await("device " + i + " holds a reservation after its host started", () -> !nat.circuitAddresses().isEmpty());
        }
    }

    @Test
    void autonatDialBackMakesALoopbackNodePublicAndAnUndialableAddressPrivate() throws Exception {
        Libp2pHost server = relay();
        RelayAttachment yNat = new RelayAttachment(List.of());
        Libp2pHost y = device(yNat);
        assertEquals("unknown", yNat.reachability());
        Libp2pConnection c = y.dial(server.listenAddresses().get(0)).get(30, TimeUnit.SECONDS);
        await("AutoNAT says public", () -> "public".equals(yNat.reachability()));

        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        AutoNatMessage.DialResponse r = AutoNatService.request(y, c,
                List.of(Multiaddr.parse("/ip4/127.0.0.1/tcp/" + closed))).get(30, TimeUnit.SECONDS);
        assertEquals(AutoNatMessage.Status.E_DIAL_ERROR, r.status(), r.toString());
    }

    @Test
    void autonatNeverDialsAnAddressOfAnotherIp() throws Exception {
        Libp2pHost server = relay();
        Libp2pHost y = device(new RelayAttachment(List.of()));
        Libp2pConnection c = y.dial(server.listenAddresses().get(0)).get(30, TimeUnit.SECONDS);
        try (ServerSocket victim = new ServerSocket(0, 10, InetAddress.getByName("127.0.0.2"))) {
            victim.setSoTimeout(1500);
            AutoNatMessage.DialResponse r = AutoNatService.request(y, c,
                    List.of(Multiaddr.parse("/ip4/127.0.0.2/tcp/" + victim.getLocalPort()))).get(30, TimeUnit.SECONDS);
            assertEquals(AutoNatMessage.Status.E_DIAL_REFUSED, r.status(), r.toString());
            assertTrue(r.statusText().contains("127.0.0.1"), r.statusText());
            try {
                victim.accept().close();
                fail("the AutoNAT server dialed an address that is not the requester's");
            } catch (java.net.SocketTimeoutException expected) {
                // nobody came
            }
        }
    }

    @Test
    void holePunchMessagesRoundTripAndMalformedOnesAreRefused() {
        HolePunchMessage m = HolePunchMessage.connect(List.of(Multiaddr.parse("/ip4/192.0.2.7/tcp/4001")));
        assertEquals(m, HolePunchMessage.decode(m.encode()));
        assertEquals(HolePunchMessage.Type.SYNC, HolePunchMessage.decode(HolePunchMessage.sync().encode()).type());
        assertThrowsMultiformat(() -> HolePunchMessage.decode(new byte[] {0x08, (byte) 0xC8, 0x01})); // type 200
        assertThrowsMultiformat(() -> HolePunchMessage.decode(new byte[] {0x12, 0x00})); // no type
    }

    private static void assertThrowsMultiformat(Runnable r) {
        org.junit.jupiter.api.Assertions.assertThrows(
                io.rhizome.transport.libp2p.internal.multiformats.MultiformatException.class, r::run);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                fail("not within " + WAIT_MILLIS + " ms: " + what);
            }
            Thread.sleep(50);
        }
    }
}

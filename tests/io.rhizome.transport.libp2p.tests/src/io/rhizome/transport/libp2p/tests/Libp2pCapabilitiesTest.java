package io.rhizome.transport.libp2p.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.rhizome.spi.transport.PeerLink;
import io.rhizome.spi.transport.ProtocolChannels;
import io.rhizome.spi.transport.Rendezvous;
import io.rhizome.spi.transport.TransportDiagnostics;
import io.rhizome.testsupport.Await;
import io.rhizome.transport.libp2p.internal.IdentifyInfo;
import io.rhizome.transport.libp2p.internal.KeyServiceSigner;
import io.rhizome.transport.libp2p.internal.Libp2pTransport;
import io.rhizome.transport.libp2p.internal.SyncLink;

/**
 * The optional transport capabilities of the libp2p transport on loopback: protocol channels,
 * diagnostics (local info, ping, probe) and the argument checks of rendezvous.
 */
class Libp2pCapabilitiesTest {

    private static final String PAIR = "/rhizome/pair/1.0.0";
    private static final Duration WAIT = Duration.ofSeconds(15);
    private final List<Libp2pTransport> transports = new ArrayList<>();

    @AfterEach
    void stop() {
        transports.forEach(Libp2pTransport::stop);
    }

    private Libp2pTransport started(TestKeys keys, List<PeerLink> syncInbound) throws IOException {
        Libp2pTransport t = new Libp2pTransport(new KeyServiceSigner(keys), Nodes.config());
        transports.add(t);
        t.start(syncInbound::add);
        return t;
    }

    private static <T> T get(java.util.concurrent.CompletionStage<T> s) throws Exception {
        return s.toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void aServedProtocolCarriesFramedMessagesBothWaysAndIsListedInIdentify() throws Exception {
        TestKeys keysA = TestKeys.random();
        TestKeys keysB = TestKeys.random();
        List<PeerLink> syncAtB = new CopyOnWriteArrayList<>();
        Libp2pTransport a = started(keysA, new CopyOnWriteArrayList<>());
        Libp2pTransport b = started(keysB, syncAtB);
        assertInstanceOf(ProtocolChannels.class, b);
        List<PeerLink> pairAtB = new CopyOnWriteArrayList<>();
        // served after start: takes effect at once
        b.serve(PAIR, pairAtB::add);
        String addrB = b.listenAddresses().get(0);

        IdentifyInfo info = a.identify(addrB).get(15, TimeUnit.SECONDS);
        assertTrue(info.protocols().contains(PAIR), info.protocols().toString());

        PeerLink ab = get(a.open(addrB, PAIR));
        assertEquals(keysB.deviceId(), ab.remotePeerId());
        assertEquals("libp2p", ab.transportKind());
        assertEquals(SyncLink.MAX_MESSAGE, ab.maxMessageSize());
        Nodes.Inbox atA = new Nodes.Inbox();
        ab.receiver(atA);
        for (int i = 0; i < 50; i++) {
            ab.send(("hello " + i).getBytes(StandardCharsets.UTF_8));
        }
        Await.until(WAIT, "inbound pairing channel at B", () -> pairAtB.size() == 1);
        PeerLink ba = pairAtB.get(0);
        assertEquals(keysA.deviceId(), ba.remotePeerId());
        assertEquals(PAIR, ((SyncLink) ba).protocol());
        Nodes.Inbox atB = new Nodes.Inbox();
        ba.receiver(atB);
        Await.until(WAIT, "50 messages at B", () -> atB.messages.size() == 50);
        for (int i = 0; i < 50; i++) {
            assertEquals("hello " + i, atB.messages.get(i));
        }
        ba.send("reply".getBytes(StandardCharsets.UTF_8));
        Await.until(WAIT, "reply at A", () -> atA.messages.equals(List.of("reply")));
        assertTrue(syncAtB.isEmpty(), "a pairing channel is not a sync link");

        // oversized messages are refused by send; the channel stays usable
        ExecutionException tooBig = assertThrows(ExecutionException.class,
                () -> get(ab.send(new byte[SyncLink.MAX_MESSAGE + 1])));
        assertInstanceOf(IOException.class, tooBig.getCause());
        assertTrue(ab.isOpen());

        // close: told once on both sides, in order after what was already sent
        ab.send("last".getBytes(StandardCharsets.UTF_8));
        ab.close();
        Await.until(WAIT, "close seen at B", () -> atB.closes.size() == 1);
        assertEquals("last", atB.messages.get(atB.messages.size() - 1));
        Await.until(WAIT, "close seen at A", () -> atA.closes.size() == 1);
        assertFalse(ab.isOpen());
    }

    @Test
    void unservedAndUnknownProtocolsAndReservedOnesAreRefused() throws Exception {
        Libp2pTransport a = started(TestKeys.random(), new CopyOnWriteArrayList<>());
        Libp2pTransport b = started(TestKeys.random(), new CopyOnWriteArrayList<>());
        String addrB = b.listenAddresses().get(0);
        ExecutionException unknown = assertThrows(ExecutionException.class, () -> get(a.open(addrB, PAIR)));
        assertInstanceOf(IOException.class, unknown.getCause(), unknown.toString());

        b.serve(PAIR, link -> {
        });
        get(a.open(addrB, PAIR)).close();
        b.unserve(PAIR);
        b.unserve(PAIR); // idempotent
        assertThrows(ExecutionException.class, () -> get(a.open(addrB, PAIR)));
        assertFalse(a.identify(addrB).get(15, TimeUnit.SECONDS).protocols().contains(PAIR));

        assertThrows(IllegalArgumentException.class, () -> b.serve("/ipfs/ping/1.0.0", link -> {
        }));
        assertThrows(IllegalArgumentException.class, () -> b.serve(SyncLink.PROTOCOL, link -> {
        }));
        assertThrows(IllegalArgumentException.class, () -> b.serve("no-slash", link -> {
        }));
        ExecutionException reserved = assertThrows(ExecutionException.class, () -> get(a.open(addrB, "/ipfs/id/1.0.0")));
        assertInstanceOf(IllegalArgumentException.class, reserved.getCause());
    }

    @Test
    void aProtocolServedBeforeStartIsServedFromStartAndAcrossRestarts() throws Exception {
        Libp2pTransport a = started(TestKeys.random(), new CopyOnWriteArrayList<>());
        Libp2pTransport b = new Libp2pTransport(new KeyServiceSigner(TestKeys.random()), Nodes.config());
        transports.add(b);
        List<PeerLink> pairAtB = new CopyOnWriteArrayList<>();
        b.serve(PAIR, pairAtB::add);
        for (int round = 0; round < 2; round++) {
            b.start(link -> {
            });
            get(a.open(b.listenAddresses().get(0), PAIR));
            int expected = round + 1;
            Await.until(WAIT, "pairing channel " + expected, () -> pairAtB.size() == expected);
            b.stop();
        }
    }

    @Test
    void aWildcardBindIsAnnouncedAsConcreteDialableAddresses() throws Exception {
        // what pairing announces to other devices: they dial these, so no 0.0.0.0 and no port 0
        TestKeys keys = TestKeys.random();
        Libp2pTransport b = new Libp2pTransport(new KeyServiceSigner(keys),
                Nodes.config().withListenAddresses(List.of(io.rhizome.transport.libp2p.internal.multiformats.Multiaddr.parse("/ip4/0.0.0.0/tcp/0"))));
        transports.add(b);
        List<PeerLink> inbound = new CopyOnWriteArrayList<>();
        b.start(inbound::add);
        List<String> announced = b.listenAddresses();
        assertFalse(announced.isEmpty());
        for (String a : announced) {
            assertFalse(a.contains("/0.0.0.0/") || a.contains("/tcp/0/"), "not dialable: " + a);
            assertTrue(a.endsWith("/p2p/" + keys.peerId().toBase58()), a);
        }
        String loopback = announced.stream().filter(a -> a.startsWith("/ip4/127.0.0.1/tcp/")).findFirst()
                .orElseThrow(() -> new AssertionError("the loopback interface is listed: " + announced));
        Libp2pTransport a = started(TestKeys.random(), new CopyOnWriteArrayList<>());
        get(a.connect(loopback)).close();
        Await.until(WAIT, "the announced loopback address reaches the wildcard listener", () -> !inbound.isEmpty());
    }

    @Test
    void diagnosticsDescribeThisNodePingAndProbeAnother() throws Exception {
        TestKeys keysB = TestKeys.random();
        Libp2pTransport a = started(TestKeys.random(), new CopyOnWriteArrayList<>());
        Libp2pTransport b = started(keysB, new CopyOnWriteArrayList<>());
        TransportDiagnostics d = a;
        Map<String, Object> local = b.localInfo();
        assertEquals(keysB.peerId().toBase58(), local.get("peerId"));
        assertEquals(b.listenAddresses(), local.get("listenAddresses"));
        assertTrue(((List<?>) local.get("listenAddresses")).get(0).toString().endsWith("/p2p/" + keysB.peerId().toBase58()));

        String addrB = b.listenAddresses().get(0);
        Duration rtt = get(d.ping(addrB));
        assertTrue(!rtt.isNegative() && rtt.compareTo(WAIT) < 0, rtt.toString());

        Map<String, Object> probe = get(d.probe(addrB));
        assertEquals(keysB.peerId().toBase58(), probe.get("peerId"));
        assertTrue(probe.get("agentVersion").toString().startsWith("rhizome/"), probe.toString());
        assertEquals("ipfs/0.1.0", probe.get("protocolVersion"));
        assertTrue(((List<?>) probe.get("protocols")).containsAll(List.of("/ipfs/ping/1.0.0", "/ipfs/id/1.0.0", SyncLink.PROTOCOL)),
                probe.toString());
        assertTrue(probe.get("observedAddress").toString().startsWith("/ip4/127.0.0.1/tcp/"), probe.toString());
        assertFalse(((List<?>) probe.get("listenAddresses")).isEmpty());

        long opened = (Long) a.localInfo().get("streamsOpened");
        get(a.connect(addrB)).close();
        assertEquals(opened + 1, a.localInfo().get("streamsOpened"), "status counts the streams this node opened (how often it dials)");

        ExecutionException nobody = assertThrows(ExecutionException.class, () -> get(d.ping("/ip4/127.0.0.1/tcp/1")));
        assertInstanceOf(IOException.class, nobody.getCause());
        ExecutionException garbage = assertThrows(ExecutionException.class, () -> get(d.probe("not a multiaddr")));
        assertInstanceOf(IOException.class, garbage.getCause());
    }

    @Test
    void rendezvousRefusesBadKeysAndAStoppedTransport() throws Exception {
        Libp2pTransport t = new Libp2pTransport(new KeyServiceSigner(TestKeys.random()), Nodes.config());
        transports.add(t);
        Rendezvous r = t;
        assertThrows(IOException.class, () -> r.advertise("abc"), "not started");
        ExecutionException stopped = assertThrows(ExecutionException.class, () -> get(r.find("abc", Duration.ofSeconds(1))));
        assertInstanceOf(IOException.class, stopped.getCause());
        t.start(link -> {
        });
        for (String bad : List.of("", "a.b", "with space", "x".repeat(64), "ü")) {
            assertThrows(IllegalArgumentException.class, () -> r.advertise(bad), bad);
            ExecutionException e = assertThrows(ExecutionException.class, () -> get(r.find(bad, Duration.ofSeconds(1))), bad);
            assertInstanceOf(IllegalArgumentException.class, e.getCause());
        }
    }
}

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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.rhizome.spi.transport.PeerLink;
import io.rhizome.testsupport.Await;
import io.rhizome.transport.libp2p.internal.IdentifyInfo;
import io.rhizome.transport.libp2p.internal.Libp2pConnection;
import io.rhizome.transport.libp2p.internal.Libp2pHost;
import io.rhizome.transport.libp2p.internal.Libp2pTransport;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.multiformats.PeerId;

/** Two Rhizome libp2p nodes on loopback: the Transport SPI contract end to end. */
class Libp2pTransportTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private final List<Libp2pTransport> transports = new ArrayList<>();
    private final List<Libp2pHost> hosts = new ArrayList<>();

    @AfterEach
    void stop() {
        transports.forEach(Libp2pTransport::stop);
        hosts.forEach(Libp2pHost::stop);
    }

    private Libp2pTransport started(List<PeerLink> inbound) throws IOException {
        Libp2pTransport t = Nodes.transport();
        transports.add(t);
        t.start(inbound::add);
        return t;
    }

    @Test
    void linksCarryWholeMessagesInOrderBothWays() throws Exception {
        List<PeerLink> inboundB = new CopyOnWriteArrayList<>();
        Libp2pTransport a = started(new CopyOnWriteArrayList<>());
        Libp2pTransport b = started(inboundB);
        assertEquals("libp2p", a.kind());
        String addrB = b.listenAddresses().get(0);
        assertTrue(addrB.matches("/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/12D3KooW\\w+"), addrB);

        PeerLink ab = a.connect(addrB).toCompletableFuture().get(15, TimeUnit.SECONDS);
        assertEquals(JsInteropTest.deviceIdOf(b.host().peerId()), ab.remotePeerId());
        assertEquals("libp2p", ab.transportKind());
        Nodes.Inbox atA = new Nodes.Inbox();
        ab.receiver(atA);

        // sent before B set a receiver: held, then delivered in order
        for (int i = 0; i < 100; i++) {
            ab.send(("m" + i).getBytes(StandardCharsets.UTF_8));
        }
        byte[] big = new byte[3 * 1024 * 1024];
        big[big.length - 1] = 42;
        // larger than the stream window: it can only finish once B reads
        var bigSent = ab.send(big).toCompletableFuture();
        Await.until(WAIT, "inbound link at B", () -> inboundB.size() == 1);
        PeerLink ba = inboundB.get(0);
        assertEquals(JsInteropTest.deviceIdOf(a.host().peerId()), ba.remotePeerId());
        List<byte[]> raw = new CopyOnWriteArrayList<>();
        Nodes.Inbox atB = new Nodes.Inbox() {
            @Override
            public void message(PeerLink link, byte[] message) {
                raw.add(message);
                super.message(link, message);
            }
        };
        ba.receiver(atB);
        Await.until(WAIT, "101 messages at B", () -> atB.messages.size() == 101);
        bigSent.get(15, TimeUnit.SECONDS);
        for (int i = 0; i < 100; i++) {
            assertEquals("m" + i, atB.messages.get(i));
        }
        assertEquals(big.length, raw.get(100).length);
        assertEquals(42, raw.get(100)[big.length - 1]);

        ba.send("reply".getBytes(StandardCharsets.UTF_8));
        Await.until(WAIT, "reply at A", () -> atA.messages.contains("reply"));

        ab.close();
        assertFalse(ab.isOpen());
        Await.until(WAIT, "close seen at both ends", () -> atA.closes.size() == 1 && atB.closes.size() == 1);
        assertTrue(atA.closes.get(0).isEmpty());
        assertTrue(atB.closes.get(0).isEmpty());
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> ab.send(new byte[1]).toCompletableFuture().get(5, TimeUnit.SECONDS));
        assertInstanceOf(IOException.class, e.getCause());
    }

    @Test
    void stopClosesEveryLinkAtBothEnds() throws Exception {
        List<PeerLink> inboundB = new CopyOnWriteArrayList<>();
        Libp2pTransport a = started(new CopyOnWriteArrayList<>());
        Libp2pTransport b = started(inboundB);
        PeerLink ab = a.connect(b.listenAddresses().get(0)).toCompletableFuture().get(15, TimeUnit.SECONDS);
        Nodes.Inbox atA = new Nodes.Inbox();
        ab.receiver(atA);
        ab.send("hi".getBytes(StandardCharsets.UTF_8));
        Await.until(WAIT, "inbound link", () -> inboundB.size() == 1);
        Nodes.Inbox atB = new Nodes.Inbox();
        inboundB.get(0).receiver(atB);
        Await.until(WAIT, "hi at B", () -> atB.messages.equals(List.of("hi")));
        a.stop();
        assertFalse(ab.isOpen());
        Await.until(WAIT, "both receivers told once", () -> atA.closes.size() == 1 && atB.closes.size() == 1);
        assertFalse(inboundB.get(0).isOpen());
    }

    @Test
    void tooLargeMessageIsRefusedAndLinkStaysUsable() throws Exception {
        List<PeerLink> inboundB = new CopyOnWriteArrayList<>();
        Libp2pTransport a = started(new CopyOnWriteArrayList<>());
        Libp2pTransport b = started(inboundB);
        PeerLink ab = a.connect(b.listenAddresses().get(0)).toCompletableFuture().get(15, TimeUnit.SECONDS);
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> ab.send(new byte[ab.maxMessageSize() + 1]).toCompletableFuture().get(5, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("exceeds"), e.getCause().getMessage());
        ab.send("ok".getBytes(StandardCharsets.UTF_8));
        Await.until(WAIT, "inbound link", () -> inboundB.size() == 1);
        Nodes.Inbox inbox = new Nodes.Inbox();
        inboundB.get(0).receiver(inbox);
        Await.until(WAIT, "message after refused one", () -> inbox.messages.equals(List.of("ok")));
    }

    @Test
    void connectFailuresAreIOExceptionsNamingTheAddress() throws Exception {
        Libp2pTransport a = started(new CopyOnWriteArrayList<>());
        ExecutionException bad = assertThrows(ExecutionException.class,
                () -> a.connect("/ip4/127.0.0.1/tcp/notaport").toCompletableFuture().get(5, TimeUnit.SECONDS));
        assertInstanceOf(IOException.class, bad.getCause());
        assertTrue(bad.getCause().getMessage().contains("invalid multiaddr"), bad.getCause().getMessage());

        // a listening node that is not the peer we asked for
        Libp2pTransport b = started(new CopyOnWriteArrayList<>());
        String wrongPeer = Multiaddr.parse(b.listenAddresses().get(0)).withPeerId(a.host().peerId()).toString();
        ExecutionException wrong = assertThrows(ExecutionException.class,
                () -> a.connect(wrongPeer).toCompletableFuture().get(15, TimeUnit.SECONDS));
        assertInstanceOf(IOException.class, wrong.getCause());

        a.stop();
        assertTrue(a.listenAddresses().isEmpty());
    }

    @Test
    void extraStreamProtocolsCanBeServedAndOpened() throws Exception {
        Libp2pTransport a = started(new CopyOnWriteArrayList<>());
        Libp2pTransport b = Nodes.transport();
        transports.add(b);
        List<String> seenBy = new CopyOnWriteArrayList<>();
        b.registerProtocol("/rhizome/test-upper/1.0.0", (connection, stream) -> {
            seenBy.add(connection.remotePeer().toBase58());
            return (s, data) -> s.write(io.netty.buffer.Unpooled.copiedBuffer(
                    data.toString(StandardCharsets.UTF_8).toUpperCase(), StandardCharsets.UTF_8));
        });
        b.start(link -> {
        });
        java.util.concurrent.CompletableFuture<String> reply = new java.util.concurrent.CompletableFuture<>();
        var stream = a.openStream(b.listenAddresses().get(0), "/rhizome/test-upper/1.0.0",
                (s, data) -> reply.complete(data.toString(StandardCharsets.UTF_8))).get(15, TimeUnit.SECONDS);
        stream.write(io.netty.buffer.Unpooled.copiedBuffer("pair me", StandardCharsets.UTF_8));
        assertEquals("PAIR ME", reply.get(15, TimeUnit.SECONDS));
        assertEquals(List.of(a.host().peerId().toBase58()), seenBy);
        assertTrue(a.identify(b.listenAddresses().get(0)).get(15, TimeUnit.SECONDS).protocols()
                .contains("/rhizome/test-upper/1.0.0"));
        // an unknown protocol is refused by multistream-select
        ExecutionException refused = assertThrows(ExecutionException.class, () -> a.openStream(b.listenAddresses().get(0),
                "/not/served/1.0.0", (s, d) -> { }).get(15, TimeUnit.SECONDS));
        assertTrue(refused.getCause().getMessage().contains("remote supports none of"), refused.getCause().getMessage());
    }

    @Test
    void hostsIdentifyAndPingEachOther() throws Exception {
        Libp2pHost a = Nodes.host();
        Libp2pHost b = Nodes.host();
        hosts.add(a);
        hosts.add(b);
        a.start();
        b.start();
        Libp2pConnection c = a.dial(b.listenAddresses().get(0)).get(15, TimeUnit.SECONDS);
        assertEquals(b.peerId(), c.remotePeer());
        IdentifyInfo info = c.identified().get(15, TimeUnit.SECONDS);
        assertEquals("rhizome/test", info.agentVersion());
        assertEquals("ipfs/0.1.0", info.protocolVersion());
        assertTrue(info.protocols().containsAll(List.of("/ipfs/id/1.0.0", "/ipfs/ping/1.0.0")), info.protocols().toString());
        assertEquals(b.peerId(), PeerId.fromEd25519(PeerId.decodeEd25519PublicKey(info.publicKey())));
        assertEquals(b.listenAddresses().get(0).withoutPeerId(), info.listenAddrs().get(0));
        assertTrue(info.observedAddr().isPresent());
        Duration rtt = c.ping().get(15, TimeUnit.SECONDS);
        assertTrue(rtt.toNanos() > 0);
        Await.until(WAIT, "inbound connection at B", () -> b.connectionTo(a.peerId()).isPresent());
        assertEquals(a.peerId(), b.connectionTo(a.peerId()).get().remotePeer());
    }
}

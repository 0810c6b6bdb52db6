package io.rhizome.transport.libp2p.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.rhizome.spi.transport.MessageReceiver;
import io.rhizome.spi.transport.PeerLink;
import io.rhizome.testsupport.Await;
import io.rhizome.transport.libp2p.internal.FrameBudget;
import io.rhizome.transport.libp2p.internal.InboundLimits;
import io.rhizome.transport.libp2p.internal.Libp2pConnection;
import io.rhizome.transport.libp2p.internal.Libp2pTransport;
import io.rhizome.transport.libp2p.internal.PeerTrust;
import io.rhizome.transport.libp2p.internal.SyncLink;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.multiformats.PeerId;
import io.rhizome.transport.libp2p.internal.multiformats.Varint;
import io.rhizome.transport.libp2p.internal.yamux.StreamHandler;
import io.rhizome.transport.libp2p.internal.yamux.YamuxStream;

/**
 * What a remote party can make the node hold of inbound frames, read from the host's
 * {@link FrameBudget} accounting: a device that is not trusted cannot start a large frame, and the
 * frames of trusted devices wait for the budget instead of piling up.
 */
class InboundMemoryTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private final List<Libp2pTransport> transports = new ArrayList<>();

    @AfterEach
    void stop() {
        transports.forEach(Libp2pTransport::stop);
    }

    /** A node whose inbound links all get {@code receiver} at once, as the engine does. */
    private Libp2pTransport server(PeerTrust trust, InboundLimits limits, MessageReceiver receiver) throws IOException {
        Libp2pTransport t = Nodes.transport();
        t.inbound(trust, limits);
        transports.add(t);
        t.start(link -> link.receiver(receiver));
        return t;
    }

    private Libp2pTransport client() throws IOException {
        Libp2pTransport t = Nodes.transport();
        transports.add(t);
        t.start(link -> { });
        return t;
    }

    /** A raw sync stream whose close the test can wait for. */
    private static final class RawStream implements StreamHandler {
        final CompletableFuture<Throwable> closed = new CompletableFuture<>();

        @Override
        public void onData(YamuxStream stream, ByteBuf data) {
        }

        @Override
        public void onClose(YamuxStream stream, Throwable cause) {
            closed.complete(cause == null ? new IOException("closed") : cause);
        }
    }

    private static final class Counting implements MessageReceiver {
        final List<Integer> sizes = new CopyOnWriteArrayList<>();

        @Override
        public void message(PeerLink link, byte[] message) {
            sizes.add(message.length);
        }

        @Override
        public void closed(PeerLink link, java.util.Optional<Throwable> cause) {
        }
    }

    @Test
    void aDeviceThatIsNotTrustedCannotMakeTheNodeHoldALargeFrame() throws Exception {
        Counting received = new Counting();
        Libp2pTransport node = server(peer -> false, InboundLimits.defaults(), received);
        Multiaddr addr = Multiaddr.parse(node.listenAddresses().get(0));
        Libp2pTransport strangerNode = client();
        Libp2pConnection stranger = strangerNode.host().dial(addr).get(15, TimeUnit.SECONDS);

        // a whole 16 MiB frame announced, 2 MiB of it sent
        RawStream raw = new RawStream();
        YamuxStream s = stranger.newStream(SyncLink.PROTOCOL, raw).get(15, TimeUnit.SECONDS);
        ByteBuf head = Unpooled.buffer();
        Varint.write(head, SyncLink.MAX_MESSAGE);
        s.write(head);
        for (int i = 0; i < 32; i++) {
            s.write(Unpooled.wrappedBuffer(new byte[64 * 1024]));
        }
        raw.closed.get(15, TimeUnit.SECONDS);

        FrameBudget budget = node.host().frameBudget();
        assertEquals(1, budget.refusedUntrustedFrames());
        assertEquals(0, budget.highWater(), "nothing of the refused frame was reserved");
        assertEquals(0, budget.reserved());
        assertTrue(received.sizes.isEmpty());

        // messages a stranger may send (pairing) still arrive, and leave the budget once delivered
        PeerLink small = strangerNode.connect(addr.toString()).toCompletableFuture().get(15, TimeUnit.SECONDS);
        small.send(new byte[200 * 1024]).toCompletableFuture().get(15, TimeUnit.SECONDS);
        Await.until(WAIT, "the small message arrives", () -> received.sizes.equals(List.of(200 * 1024)));
        Await.until(WAIT, "its reservation is released", () -> budget.reserved() == 0);
        assertTrue(budget.highWater() <= 200 * 1024, "held at most the one small frame: " + budget.highWater());
    }

    @Test
    void framesOfTrustedDevicesWaitForTheBudgetInsteadOfPilingUp() throws Exception {
        Counting received = new Counting();
        long capacity = SyncLink.MAX_MESSAGE;
        Libp2pTransport node = server(PeerTrust.EVERYONE, InboundLimits.defaults().withFrameBudget(capacity, 1 << 20), received);
        Multiaddr addr = Multiaddr.parse(node.listenAddresses().get(0));
        int frame = 6 * 1024 * 1024;
        List<CompletableFuture<Void>> sent = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Libp2pTransport peer = Nodes.transport();
            transports.add(peer);
            peer.start(link -> { });
            PeerLink l = peer.connect(addr.toString()).toCompletableFuture().get(15, TimeUnit.SECONDS);
            sent.add(l.send(new byte[frame]).toCompletableFuture());
        }
        for (CompletableFuture<Void> f : sent) {
            f.get(60, TimeUnit.SECONDS);
        }
        Await.until(WAIT, "all five frames arrive", () -> received.sizes.size() == 5);
        assertTrue(received.sizes.stream().allMatch(n -> n == frame), received.sizes.toString());
        FrameBudget budget = node.host().frameBudget();
        Await.until(WAIT, "every reservation released", () -> budget.reserved() == 0);
        assertTrue(budget.highWater() <= capacity, "five 6 MiB frames held at most " + capacity + " bytes at once, not "
                + budget.highWater());
        assertTrue(budget.highWater() >= 2L * frame, "two frames fit at once: " + budget.highWater());
    }

    @Test
    void strangersHoldOnlyTheirShareAndCannotStarveATrustedDevice() throws Exception {
        Counting received = new Counting();
        Libp2pTransport friendNode = client();
        PeerId friend = friendNode.host().peerId();
        long share = 1 << 20;
        Libp2pTransport node = server(friend::equals, InboundLimits.defaults().withFrameBudget(SyncLink.MAX_MESSAGE, share), received);
        Multiaddr addr = Multiaddr.parse(node.listenAddresses().get(0));
        FrameBudget budget = node.host().frameBudget();

        // eight strangers each start a frame of the largest size they may send, and never finish it
        int announced = InboundLimits.defaults().untrustedMaxMessage();
        for (int i = 0; i < 8; i++) {
            Libp2pConnection stranger = client().host().dial(addr).get(15, TimeUnit.SECONDS);
            YamuxStream s = stranger.newStream(SyncLink.PROTOCOL, new RawStream()).get(15, TimeUnit.SECONDS);
            ByteBuf head = Unpooled.buffer();
            Varint.write(head, announced);
            head.writeBytes(new byte[1024]);
            s.write(head);
        }
        Await.until(WAIT, "the strangers' share is taken and the rest wait", () -> budget.untrustedReserved() == share
                && budget.waiting() > 0);

        PeerLink friendLink = friendNode.connect(addr.toString()).toCompletableFuture().get(15, TimeUnit.SECONDS);
        friendLink.send(new byte[8 * 1024 * 1024]).toCompletableFuture().get(30, TimeUnit.SECONDS);
        Await.until(WAIT, "the trusted device's 8 MiB frame arrives", () -> received.sizes.contains(8 * 1024 * 1024));
        assertEquals(share, budget.untrustedReserved(), "strangers never held more than their share");
        assertTrue(budget.highWater() <= share + 8 * 1024 * 1024, "held: " + budget.highWater());
    }

    @Test
    void aStrangerMayOpenOnlyAFewStreamsWhileATrustedDeviceMayOpenMany() throws Exception {
        Libp2pTransport friendNode = client();
        PeerId friend = friendNode.host().peerId();
        Libp2pTransport node = server(friend::equals, InboundLimits.defaults(), new Counting());
        Multiaddr addr = Multiaddr.parse(node.listenAddresses().get(0));

        Libp2pConnection stranger = client().host().dial(addr).get(15, TimeUnit.SECONDS);
        for (int i = 0; i <= InboundLimits.UNTRUSTED_MAX_STREAMS; i++) {
            stranger.newStream(SyncLink.PROTOCOL, new RawStream());
        }
        Await.until(WAIT, "the stranger's connection is closed as a stream flood", () -> !stranger.isOpen());

        Libp2pConnection trusted = friendNode.host().dial(addr).get(15, TimeUnit.SECONDS);
        List<CompletableFuture<YamuxStream>> streams = new ArrayList<>();
        for (int i = 0; i < 4 * InboundLimits.UNTRUSTED_MAX_STREAMS; i++) {
            streams.add(trusted.newStream(SyncLink.PROTOCOL, new RawStream()));
        }
        for (CompletableFuture<YamuxStream> f : streams) {
            f.get(15, TimeUnit.SECONDS);
        }
        assertTrue(trusted.isOpen(), "a trusted device keeps its " + streams.size() + " streams");
    }
}

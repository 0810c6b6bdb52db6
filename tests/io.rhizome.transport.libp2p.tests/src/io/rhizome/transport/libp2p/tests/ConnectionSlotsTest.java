package io.rhizome.transport.libp2p.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.rhizome.spi.transport.MessageReceiver;
import io.rhizome.spi.transport.PeerLink;
import io.rhizome.testsupport.Await;
import io.rhizome.transport.libp2p.internal.InboundLimits;
import io.rhizome.transport.libp2p.internal.Libp2pConnection;
import io.rhizome.transport.libp2p.internal.Libp2pHost;
import io.rhizome.transport.libp2p.internal.Libp2pTransport;
import io.rhizome.transport.libp2p.internal.PeerTrust;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.multiformats.PeerId;

/**
 * Connection slots on loopback (127.0.0.0/8 gives many source addresses): handshakes that never
 * finish do not lock out a paired device, strangers get a bounded share per address, and a trusted
 * device takes a stranger's slot when all are taken.
 */
class ConnectionSlotsTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private final List<Libp2pTransport> transports = new ArrayList<>();
    private final List<Libp2pHost> hosts = new ArrayList<>();

    @AfterEach
    void stop() {
        transports.forEach(Libp2pTransport::stop);
        hosts.forEach(Libp2pHost::stop);
    }

    private Libp2pTransport server(PeerTrust trust, int maxConnections, InboundLimits limits, List<String> received)
            throws IOException {
        Libp2pTransport t = new Libp2pTransport(new io.rhizome.transport.libp2p.internal.KeyServiceSigner(TestKeys.random()),
                Nodes.config().withMaxConnections(maxConnections));
        t.inbound(trust, limits);
        transports.add(t);
        MessageReceiver r = new Nodes.Inbox() {
            @Override
            public void message(PeerLink link, byte[] message) {
                received.add(new String(message, java.nio.charset.StandardCharsets.UTF_8));
            }
        };
        t.start(link -> link.receiver(r));
        return t;
    }

    private Libp2pTransport peer() throws IOException {
        Libp2pTransport t = Nodes.transport();
        transports.add(t);
        t.start(link -> { });
        return t;
    }

    private Libp2pHost stranger() throws IOException {
        Libp2pHost h = Nodes.host();
        hosts.add(h);
        h.start();
        return h;
    }

    /**
     * Keeps {@code perAddress} silent TCP connections open from each of {@code addresses} source
     * addresses, reopening each one at once when the node closes it; bounded by time and count.
     */
    private static final class HalfOpenStorm implements AutoCloseable {
        final AtomicLong connects = new AtomicLong();
        final AtomicInteger maxHandshaking = new AtomicInteger();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;
        private final List<Throwable> failure = new CopyOnWriteArrayList<>();

        HalfOpenStorm(InetSocketAddress target, int addresses, int perAddress, Libp2pHost observed) {
            thread = new Thread(() -> {
                try (Selector selector = Selector.open()) {
                    for (int a = 0; a < addresses; a++) {
                        InetAddress source = InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (10 + a)});
                        for (int i = 0; i < perAddress; i++) {
                            open(selector, source, target);
                        }
                    }
                    ByteBuffer sink = ByteBuffer.allocate(4096);
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                    for (long round = 0; round < 10_000_000 && !stop.get() && System.nanoTime() < deadline; round++) {
                        maxHandshaking.accumulateAndGet(observed.handshaking(), Math::max);
                        selector.select(50);
                        for (SelectionKey k : selector.selectedKeys()) {
                            SocketChannel c = (SocketChannel) k.channel();
                            InetAddress source = (InetAddress) k.attachment();
                            boolean closed;
                            try {
                                if (k.isConnectable()) {
                                    c.finishConnect();
                                    k.interestOps(SelectionKey.OP_READ);
                                    continue;
                                }
                                sink.clear();
                                closed = c.read(sink) < 0;
                            } catch (IOException e) {
                                closed = true;
                            }
                            if (closed) {
                                k.cancel();
                                c.close();
                                open(selector, source, target);
                            }
                        }
                        selector.selectedKeys().clear();
                    }
                    for (SelectionKey k : selector.keys()) {
                        k.channel().close();
                    }
                } catch (IOException | RuntimeException e) {
                    failure.add(e);
                }
            }, "half-open-storm");
            thread.setDaemon(true);
            thread.start();
        }

        private void open(Selector selector, InetAddress source, InetSocketAddress target) throws IOException {
            SocketChannel c = SocketChannel.open();
            c.configureBlocking(false);
            c.bind(new InetSocketAddress(source, 0));
            c.register(selector, SelectionKey.OP_CONNECT, source);
            c.connect(target);
            connects.incrementAndGet();
        }

        @Override
        public void close() throws Exception {
            stop.set(true);
            thread.join(30_000);
            if (!failure.isEmpty()) {
                throw new AssertionError("the storm failed", failure.get(0));
            }
        }
    }

    /** Dials as a new stranger; true once the node refused it (the dial failed, or the connection closed). */
    private boolean refused(Multiaddr addr) throws IOException {
        Libp2pConnection c;
        try {
            c = stranger().dial(addr).get(15, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        Await.until(WAIT, "the node closes the connection of " + c.remotePeer(), () -> !c.isOpen());
        return true;
    }

    private static InetSocketAddress socketOf(Multiaddr a) {
        byte[] port = a.first(Multiaddr.Protocol.TCP).orElseThrow().value();
        return new InetSocketAddress("127.0.0.1", ((port[0] & 0xFF) << 8) | (port[1] & 0xFF));
    }

    @Test
    void halfOpenHandshakesThatReconnectAtOnceDoNotLockOutAPairedDevice() throws Exception {
        Libp2pTransport friend = peer();
        PeerId friendId = friend.host().peerId();
        List<String> received = new CopyOnWriteArrayList<>();
        InboundLimits limits = InboundLimits.defaults();
        Libp2pTransport node = server(friendId::equals, 256, limits, received);
        Multiaddr addr = Multiaddr.parse(node.listenAddresses().get(0));

        // 300 half-open connections from 30 addresses, each reopened the moment the node drops it
        try (HalfOpenStorm storm = new HalfOpenStorm(socketOf(addr), 30, 10, node.host())) {
            Await.until(WAIT, "the storm fills the handshake slots", () -> node.host().handshaking() >= limits.maxHandshakes()
                    && storm.connects.get() > 300);
            // the paired device dials as the engine does (again after a failure) and must get through well within
            // one handshake timeout (10 s): before handshake slots of their own it needed 22.6 s
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
            for (int attempt = 0; attempt < 200 && received.isEmpty(); attempt++) {
                assertTrue(System.nanoTime() < deadline, "the paired device did not get through in 8 s ("
                        + storm.connects.get() + " connects of the storm so far)");
                try {
                    PeerLink l = friend.connect(addr.toString()).toCompletableFuture().get(8, TimeUnit.SECONDS);
                    l.send("hello".getBytes(java.nio.charset.StandardCharsets.UTF_8)).toCompletableFuture().get(8, TimeUnit.SECONDS);
                    Await.until(Duration.ofSeconds(8), "the message arrives", () -> !received.isEmpty() || !l.isOpen());
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    // dropped or refused: dial again
                }
            }
            assertTrue(received.contains("hello"), received.toString());
            assertTrue(storm.maxHandshaking.get() <= limits.maxHandshakes(), "handshakes held at most "
                    + limits.maxHandshakes() + ", saw " + storm.maxHandshaking.get());
        }
    }

    @Test
    void aTrustedDeviceTakesTheSlotOfAStrangerWhenAllAreTaken() throws Exception {
        Libp2pTransport friend = peer();
        PeerId friendId = friend.host().peerId();
        List<String> received = new CopyOnWriteArrayList<>();
        Libp2pTransport node = server(friendId::equals, 3, InboundLimits.defaults(), received);
        Multiaddr addr = Multiaddr.parse(node.listenAddresses().get(0));
        List<Libp2pConnection> strangers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            strangers.add(stranger().dial(addr).get(15, TimeUnit.SECONDS));
        }
        Await.until(WAIT, "three strangers established", () -> node.host().establishedConnections() == 3);

        // a fourth stranger finds every slot taken
        assertTrue(refused(addr), "the fourth stranger is refused");

        PeerLink l = friend.connect(addr.toString()).toCompletableFuture().get(15, TimeUnit.SECONDS);
        l.send("paired".getBytes(java.nio.charset.StandardCharsets.UTF_8)).toCompletableFuture().get(15, TimeUnit.SECONDS);
        Await.until(WAIT, "the trusted device's message arrives", () -> received.contains("paired"));
        Await.until(WAIT, "one stranger made room", () -> strangers.stream().filter(Libp2pConnection::isOpen).count() == 2);
        // The node's AutoNAT asks a peer for a dial-back (the friend; the raw strangers do not speak it):
        // once it has its answer the dial-back has come in, and that second connection of the friend's took no slot.
        Await.until(WAIT, "the node's AutoNAT has an answer", () -> !node.relayAttachment().reachability().equals("unknown"));
        long notFriend = node.host().connections().stream().filter(c -> !c.remotePeer().equals(friendId)).count();
        assertEquals(2, notFriend, "two strangers keep their slots: " + node.host().connections());
        assertEquals(2, strangers.stream().filter(Libp2pConnection::isOpen).count(), "no second stranger was evicted");
    }

    @Test
    void strangersFromOneAddressGetABoundedShareOfConnections() throws Exception {
        Libp2pTransport node = server(peer -> false, 256, InboundLimits.defaults().withUntrustedPerAddress(2),
                new CopyOnWriteArrayList<>());
        Multiaddr addr = Multiaddr.parse(node.listenAddresses().get(0));
        Libp2pConnection a = stranger().dial(addr).get(15, TimeUnit.SECONDS);
        Libp2pConnection b = stranger().dial(addr).get(15, TimeUnit.SECONDS);
        Await.until(WAIT, "two strangers established", () -> node.host().establishedConnections() == 2);
        assertTrue(refused(addr), "the third from the same address is refused");
        assertTrue(a.isOpen() && b.isOpen(), "the first two stay");
    }
}

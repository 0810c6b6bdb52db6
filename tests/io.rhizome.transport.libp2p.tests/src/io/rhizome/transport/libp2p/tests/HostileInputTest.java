package io.rhizome.transport.libp2p.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.rhizome.spi.transport.PeerLink;
import io.rhizome.testsupport.Await;
import io.rhizome.transport.libp2p.internal.Libp2pConnection;
import io.rhizome.transport.libp2p.internal.Libp2pHost;
import io.rhizome.transport.libp2p.internal.Libp2pTransport;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.multiformats.Varint;
import io.rhizome.transport.libp2p.internal.multistream.MultistreamSelect;
import io.rhizome.transport.libp2p.internal.noise.IdentitySigner;
import io.rhizome.transport.libp2p.internal.yamux.YamuxFrame;

/**
 * A hostile or broken peer gets its connection closed with a log line, nothing reaches the engine,
 * and the node keeps serving well-behaved peers.
 */
class HostileInputTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private final List<Libp2pHost> hosts = new ArrayList<>();
    private final List<PeerLink> inbound = new CopyOnWriteArrayList<>();
    private Libp2pTransport server;
    private InetSocketAddress serverSocket;
    private Multiaddr serverAddr;
    private LogCapture log;

    @BeforeEach
    void start() throws IOException {
        log = new LogCapture();
        server = Nodes.transport();
        // no receiver is ever set: whatever a hostile peer sends must not be delivered
        server.start(inbound::add);
        serverAddr = Multiaddr.parse(server.listenAddresses().get(0));
        byte[] port = serverAddr.first(Multiaddr.Protocol.TCP).orElseThrow().value();
        serverSocket = new InetSocketAddress("127.0.0.1", ((port[0] & 0xFF) << 8) | (port[1] & 0xFF));
    }

    @AfterEach
    void stop() {
        hosts.forEach(Libp2pHost::stop);
        server.stop();
        log.close();
    }

    private Libp2pHost client(IdentitySigner signer) throws IOException {
        Libp2pHost h = new Libp2pHost(signer, Nodes.config());
        hosts.add(h);
        h.start();
        return h;
    }

    private void assertStillServing() throws Exception {
        Libp2pConnection good = client(new io.rhizome.transport.libp2p.internal.KeyServiceSigner(TestKeys.random()))
                .dial(serverAddr).get(15, TimeUnit.SECONDS);
        assertTrue(good.ping().get(15, TimeUnit.SECONDS).toNanos() > 0);
    }

    /** Reads until the server closes; fails if it does not within the bound. */
    private static void assertClosedByServer(Socket s) throws IOException {
        s.setSoTimeout(15_000);
        InputStream in = s.getInputStream();
        byte[] buf = new byte[4096];
        for (int i = 0; i < 1000; i++) {
            if (in.read(buf) < 0) {
                return;
            }
        }
        throw new AssertionError("server kept the connection open");
    }

    @Test
    void garbageBeforeTheHandshake() throws Exception {
        try (Socket s = new Socket()) {
            s.connect(serverSocket, 5000);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertClosedByServer(s);
        }
        Await.until(WAIT, "log line", () -> log.contains("security handshake failed"));
        assertStillServing();
        assertTrue(inbound.isEmpty());
    }

    @Test
    void garbageInsideTheHandshake() throws Exception {
        try (Socket s = new Socket()) {
            s.connect(serverSocket, 5000);
            OutputStream out = s.getOutputStream();
            ByteBuf hello = Unpooled.buffer();
            MultistreamSelect.writeMessage(hello, MultistreamSelect.HEADER);
            MultistreamSelect.writeMessage(hello, "/noise");
            byte[] e = new byte[32];
            new SecureRandom().nextBytes(e);
            hello.writeShort(32).writeBytes(e);
            out.write(toArray(hello));
            // wait for the responder's message 2 (multistream echo + e, s, payload), then send junk as message 3
            s.setSoTimeout(15_000);
            InputStream in = s.getInputStream();
            int expected = 20 + 8 + 2 + 32 + 48;
            byte[] got = in.readNBytes(expected);
            assertEquals(expected, got.length);
            byte[] junk = new byte[120];
            new SecureRandom().nextBytes(junk);
            out.write(new byte[] {0, 120});
            out.write(junk);
            assertClosedByServer(s);
        }
        Await.until(WAIT, "log line", () -> log.contains("security handshake failed"));
        assertStillServing();
        assertTrue(inbound.isEmpty());
    }

    @Test
    void wrongIdentitySignature() throws Exception {
        TestKeys keys = TestKeys.random();
        TestKeys other = TestKeys.random();
        IdentitySigner liar = new IdentitySigner() {
            @Override
            public byte[] publicKey() {
                return keys.identityPublicKey();
            }

            @Override
            public byte[] sign(byte[] data) {
                return other.signWithIdentity(data);
            }
        };
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> client(liar).dial(serverAddr).get(15, TimeUnit.SECONDS));
        assertInstanceOf(IOException.class, e.getCause());
        Await.until(WAIT, "log line", () -> log.contains("identity signature over the Noise static key does not verify"));
        assertStillServing();
        assertTrue(inbound.isEmpty());
    }

    private Libp2pConnection authenticatedClient() throws Exception {
        return client(new io.rhizome.transport.libp2p.internal.KeyServiceSigner(TestKeys.random()))
                .dial(serverAddr).get(15, TimeUnit.SECONDS);
    }

    /** Writes raw Yamux bytes below our own session, straight into Noise. */
    private static void raw(Libp2pConnection c, ByteBuf bytes) {
        c.channel().pipeline().context("yamux").writeAndFlush(bytes);
    }

    private static ByteBuf frame(int type, int flags, int stream, long length, byte[] payload) {
        ByteBuf b = Unpooled.buffer();
        YamuxFrame.writeHeader(b, type, flags, stream, length);
        if (payload != null) {
            b.writeBytes(payload);
        }
        return b;
    }

    private void assertClosed(Libp2pConnection c, String logFragment) throws Exception {
        c.closeFuture().get(15, TimeUnit.SECONDS);
        Await.until(WAIT, "log line with " + logFragment, () -> log.contains(logFragment));
        assertStillServing();
    }

    @Test
    void oversizedYamuxFrame() throws Exception {
        Libp2pConnection c = authenticatedClient();
        raw(c, frame(YamuxFrame.TYPE_DATA, YamuxFrame.FLAG_SYN, 1001, 64L * 1024 * 1024, null));
        assertClosed(c, "oversized data frame");
        assertTrue(inbound.isEmpty());
    }

    @Test
    void windowViolation() throws Exception {
        Libp2pConnection c = authenticatedClient();
        ByteBuf hello = Unpooled.buffer();
        MultistreamSelect.writeMessage(hello, MultistreamSelect.HEADER);
        MultistreamSelect.writeMessage(hello, "/rhizome/sync/1.0.0");
        // one message announced as 15 MiB: the server holds it without a receiver, so grants no window
        Varint.write(hello, 15L * 1024 * 1024);
        byte[] h = toArray(hello);
        raw(c, frame(YamuxFrame.TYPE_DATA, YamuxFrame.FLAG_SYN, 1001, h.length, h));
        Await.until(WAIT, "inbound sync link", () -> inbound.size() == 1);
        int window = Nodes.config().yamux().streamWindow();
        byte[] filler = new byte[60 * 1024];
        long sent = h.length;
        while (sent + filler.length <= window) {
            raw(c, frame(YamuxFrame.TYPE_DATA, 0, 1001, filler.length, filler));
            sent += filler.length;
        }
        raw(c, frame(YamuxFrame.TYPE_DATA, 0, 1001, filler.length, filler));
        assertClosed(c, "window violation on stream 1001");
        Nodes.Inbox inbox = new Nodes.Inbox();
        inbound.get(0).receiver(inbox);
        Await.until(WAIT, "link reported closed", () -> inbox.closes.size() == 1);
        assertTrue(inbox.messages.isEmpty());
        assertTrue(inbox.closes.get(0).isPresent());
    }

    @Test
    void streamFlood() throws Exception {
        Libp2pConnection c = authenticatedClient();
        int limit = Nodes.config().yamux().maxInboundStreams();
        ByteBuf flood = Unpooled.buffer();
        for (int i = 0; i <= limit + 10; i++) {
            YamuxFrame.writeHeader(flood, YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_SYN, 1001 + 2 * i, 0);
        }
        raw(c, flood);
        assertClosed(c, "stream flood");
        assertTrue(inbound.isEmpty());
    }

    @Test
    void silentPeerIsDroppedWhenTheHandshakeTimesOut() throws Exception {
        var base = Nodes.config();
        Libp2pTransport impatient = new Libp2pTransport(new io.rhizome.transport.libp2p.internal.KeyServiceSigner(TestKeys.random()),
                new io.rhizome.transport.libp2p.internal.Libp2pConfig(base.listenAddresses(), base.agentVersion(), 300,
                        base.yamux(), base.ioThreads(), base.maxConnections()));
        impatient.start(inbound::add);
        try {
            byte[] port = Multiaddr.parse(impatient.listenAddresses().get(0)).first(Multiaddr.Protocol.TCP).orElseThrow().value();
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", ((port[0] & 0xFF) << 8) | (port[1] & 0xFF)), 5000);
                assertClosedByServer(s);
            }
            Await.until(WAIT, "log line", () -> log.contains("security handshake timed out after 300 ms"));
        } finally {
            impatient.stop();
        }
    }

    @Test
    void connectionFloodIsRefusedBeyondTheLimit() throws Exception {
        Libp2pTransport limited = new Libp2pTransport(new io.rhizome.transport.libp2p.internal.KeyServiceSigner(TestKeys.random()),
                Nodes.config());
        // handshakes have slots of their own (ConnectionSlotsTest): three per address here
        limited.inbound(io.rhizome.transport.libp2p.internal.PeerTrust.EVERYONE,
                io.rhizome.transport.libp2p.internal.InboundLimits.defaults().withHandshakes(64, 3));
        limited.start(inbound::add);
        try {
            Multiaddr addr = Multiaddr.parse(limited.listenAddresses().get(0));
            byte[] port = addr.first(Multiaddr.Protocol.TCP).orElseThrow().value();
            InetSocketAddress target = new InetSocketAddress("127.0.0.1", ((port[0] & 0xFF) << 8) | (port[1] & 0xFF));
            List<Socket> idle = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    Socket s = new Socket();
                    s.connect(target, 5000);
                    idle.add(s);
                    // the server greets every accepted connection with its multistream header
                    s.setSoTimeout(15_000);
                    assertEquals(20, s.getInputStream().readNBytes(20).length);
                }
                try (Socket extra = new Socket()) {
                    extra.connect(target, 5000);
                    assertClosedByServer(extra);
                }
                Await.until(WAIT, "log line", () -> log.contains("refusing libp2p connection"));
            } finally {
                for (Socket s : idle) {
                    s.close();
                }
            }
            Libp2pHost good = client(new io.rhizome.transport.libp2p.internal.KeyServiceSigner(TestKeys.random()));
            Await.until(WAIT, "a slot frees up and a good peer connects", () -> {
                try {
                    return good.dial(addr).get(15, TimeUnit.SECONDS).ping().get(15, TimeUnit.SECONDS).toNanos() > 0;
                } catch (Exception e) {
                    return false;
                }
            });
        } finally {
            limited.stop();
        }
    }

    private static byte[] toArray(ByteBuf b) {
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        return out;
    }
}

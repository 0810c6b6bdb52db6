package io.rhizome.transport.libp2p.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.rhizome.transport.libp2p.internal.yamux.StreamHandler;
import io.rhizome.transport.libp2p.internal.yamux.YamuxConfig;
import io.rhizome.transport.libp2p.internal.yamux.YamuxFrame;
import io.rhizome.transport.libp2p.internal.yamux.YamuxFrame.Header;
import io.rhizome.transport.libp2p.internal.yamux.YamuxSession;
import io.rhizome.transport.libp2p.internal.yamux.YamuxStream;

/** Yamux framing, flow control and protocol violations, driven frame by frame through an embedded channel. */
class YamuxSessionTest {

    private static final int WINDOW = YamuxFrame.INITIAL_WINDOW;

    private final List<YamuxStream> accepted = new ArrayList<>();
    private final Recorder recorder = new Recorder();
    private EmbeddedChannel channel;
    private YamuxSession session;

    static final class Recorder implements StreamHandler {
        final ByteBuf received = Unpooled.buffer();
        int remoteCloses;
        final List<Throwable> closes = new ArrayList<>();
        boolean closedCleanly;

        @Override
        public void onData(YamuxStream stream, ByteBuf data) {
            received.writeBytes(data);
        }

        @Override
        public void onRemoteClose(YamuxStream stream) {
            remoteCloses++;
        }

        @Override
        public void onClose(YamuxStream stream, Throwable cause) {
            if (cause == null) {
                closedCleanly = true;
            } else {
                closes.add(cause);
            }
        }
    }

    @BeforeEach
    void setUp() {
        // we are the client: we open odd streams, the remote opens even ones
        session = new YamuxSession(true, new YamuxConfig(WINDOW, 4, 64 * 1024), s -> {
            accepted.add(s);
            s.handler(recorder);
        }, "test-peer");
        channel = new EmbeddedChannel(session);
    }

    private static ByteBuf frame(int type, int flags, int stream, long length, byte[] payload) {
        ByteBuf b = Unpooled.buffer();
        YamuxFrame.writeHeader(b, type, flags, stream, length);
        if (payload != null) {
            b.writeBytes(payload);
        }
        return b;
    }

    private List<Header> outboundHeaders(List<byte[]> payloads) {
        ByteBuf all = Unpooled.buffer();
        Object o;
        while ((o = channel.readOutbound()) != null) {
            all.writeBytes((ByteBuf) o);
            ((ByteBuf) o).release();
        }
        List<Header> out = new ArrayList<>();
        while (all.readableBytes() >= YamuxFrame.HEADER_LENGTH) {
            Header h = Header.read(all);
            out.add(h);
            if (h.type() == YamuxFrame.TYPE_DATA) {
                byte[] p = new byte[(int) h.length()];
                all.readBytes(p);
                if (payloads != null) {
                    payloads.add(p);
                }
            }
        }
        return out;
    }

    private List<Header> outbound() {
        channel.runPendingTasks();
        return outboundHeaders(null);
    }

    private void openRemoteStream(int id) {
        channel.writeInbound(frame(YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_SYN, id, 0, null));
    }

    @Test
    void pingIsAnsweredWithTheSameOpaqueValue() {
        channel.writeInbound(frame(YamuxFrame.TYPE_PING, YamuxFrame.FLAG_SYN, 0, 0xCAFE, null));
        List<Header> out = outbound();
        assertEquals(List.of(new Header(0, YamuxFrame.TYPE_PING, YamuxFrame.FLAG_ACK, 0, 0xCAFE)), out);
    }

    @Test
    void ourPingCompletesOnAck() {
        CompletableFuture<Long> rtt = session.ping();
        Header syn = outbound().get(0);
        assertEquals(YamuxFrame.TYPE_PING, syn.type());
        assertEquals(YamuxFrame.FLAG_SYN, syn.flags());
        channel.writeInbound(frame(YamuxFrame.TYPE_PING, YamuxFrame.FLAG_ACK, 0, syn.length(), null));
        assertTrue(rtt.isDone() && !rtt.isCompletedExceptionally());
    }

    @Test
    void remoteStreamIsAcceptedAcknowledgedAndReceivesData() {
        openRemoteStream(2);
        assertEquals(1, accepted.size());
        assertEquals(List.of(new Header(0, YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_ACK, 2, 0)), outbound());
        channel.writeInbound(frame(YamuxFrame.TYPE_DATA, 0, 2, 5, "hello".getBytes()));
        assertEquals("hello", recorder.received.toString(java.nio.charset.StandardCharsets.US_ASCII));
    }

    @Test
    void windowUpdateIsSentAfterHalfTheWindowWasConsumed() {
        openRemoteStream(2);
        outbound();
        channel.writeInbound(frame(YamuxFrame.TYPE_DATA, 0, 2, WINDOW / 2 - 1, new byte[WINDOW / 2 - 1]));
        assertTrue(outbound().isEmpty());
        channel.writeInbound(frame(YamuxFrame.TYPE_DATA, 0, 2, 1, new byte[1]));
        assertEquals(List.of(new Header(0, YamuxFrame.TYPE_WINDOW_UPDATE, 0, 2, WINDOW / 2)), outbound());
        assertTrue(channel.isActive());
    }

    @Test
    void windowViolationClosesTheConnectionWithProtocolError() {
        openRemoteStream(2);
        outbound();
        // a manual-credit stream grants nothing back, so the whole window is all the remote may send
        accepted.get(0).manualCredit(true);
        channel.writeInbound(frame(YamuxFrame.TYPE_DATA, 0, 2, WINDOW - 10, new byte[WINDOW - 10]));
        assertTrue(channel.isActive());
        channel.writeInbound(frame(YamuxFrame.TYPE_DATA, 0, 2, 11, new byte[11]));
        assertGoAwayProtocolErrorAndClosed();
        assertEquals(WINDOW - 10, recorder.received.readableBytes());
        assertEquals(1, recorder.closes.size());
    }

    @Test
    void oversizedFrameClosesTheConnectionBeforeItsPayloadArrives() {
        openRemoteStream(2);
        outbound();
        channel.writeInbound(frame(YamuxFrame.TYPE_DATA, 0, 2, 64L * 1024 * 1024, null));
        assertGoAwayProtocolErrorAndClosed();
        assertEquals(0, recorder.received.readableBytes());
    }

    @Test
    void streamFloodClosesTheConnection() {
        for (int i = 1; i <= 4; i++) {
            openRemoteStream(2 * i);
        }
        assertTrue(channel.isActive());
        outbound();
        openRemoteStream(10);
        assertGoAwayProtocolErrorAndClosed();
        assertEquals(4, accepted.size());
    }

    @Test
    void unknownVersionAndTypeAndOurParityAreProtocolErrors() {
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0}));
        assertGoAwayProtocolErrorAndClosed();

        setUp();
        channel.writeInbound(frame(7, 0, 0, 0, null));
        assertGoAwayProtocolErrorAndClosed();

        setUp();
        openRemoteStream(3); // odd ids are ours
        assertGoAwayProtocolErrorAndClosed();
    }

    @Test
    void outboundStreamRespectsTheSendWindow() {
        YamuxStream s = session.openStream(recorder).join();
        assertEquals(List.of(new Header(0, YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_SYN, 1, 0)), outbound());
        CompletableFuture<Void> written = s.write(Unpooled.wrappedBuffer(new byte[WINDOW + 1000]));
        channel.runPendingTasks();
        List<byte[]> payloads = new ArrayList<>();
        List<Header> frames = outboundHeaders(payloads);
        assertEquals(WINDOW, payloads.stream().mapToInt(p -> p.length).sum());
        assertTrue(frames.stream().allMatch(h -> h.length() <= 64 * 1024));
        assertFalse(written.isDone());
        channel.writeInbound(frame(YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_ACK, 1, 5000, null));
        channel.runPendingTasks();
        payloads.clear();
        outboundHeaders(payloads);
        assertEquals(1000, payloads.stream().mapToInt(p -> p.length).sum());
        assertTrue(written.isDone());
    }

    @Test
    void finBothWaysClosesCleanlyAndRstReportsACause() {
        YamuxStream s = session.openStream(recorder).join();
        outbound();
        s.closeWrite();
        Header fin = outbound().get(0);
        assertEquals(YamuxFrame.FLAG_FIN, fin.flags() & YamuxFrame.FLAG_FIN);
        assertFalse(recorder.closedCleanly);
        channel.writeInbound(frame(YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_FIN, 1, 0, null));
        assertEquals(1, recorder.remoteCloses);
        assertTrue(recorder.closedCleanly);
        assertTrue(s.isClosed());

        Recorder other = new Recorder();
        YamuxStream s2 = session.openStream(other).join();
        channel.writeInbound(frame(YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_RST, s2.id(), 0, null));
        assertEquals(1, other.closes.size());
        assertTrue(s2.isClosed());
        assertEquals(0, session.streamCount());
    }

    @Test
    void goAwayStopsNewOutboundStreams() {
        channel.writeInbound(frame(YamuxFrame.TYPE_GO_AWAY, 0, 0, YamuxFrame.GO_AWAY_NORMAL, null));
        assertTrue(session.isRemoteGoingAway());
        CompletableFuture<YamuxStream> f = session.openStream(recorder);
        assertTrue(f.isCompletedExceptionally());
    }

    private void assertGoAwayProtocolErrorAndClosed() {
        channel.runPendingTasks();
        List<Header> out = outboundHeaders(null);
        Header last = out.get(out.size() - 1);
        assertEquals(YamuxFrame.TYPE_GO_AWAY, last.type());
        assertEquals(YamuxFrame.GO_AWAY_PROTOCOL_ERROR, last.length());
        assertFalse(channel.isActive());
        assertNotNull(session);
        assertNull(channel.readInbound());
    }
}

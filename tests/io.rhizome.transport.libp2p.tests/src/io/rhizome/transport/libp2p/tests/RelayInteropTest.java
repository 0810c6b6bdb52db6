package io.rhizome.transport.libp2p.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.rhizome.testsupport.Await;
import io.rhizome.transport.libp2p.internal.KeyServiceSigner;
import io.rhizome.transport.libp2p.internal.Libp2pConnection;
import io.rhizome.transport.libp2p.internal.Libp2pHost;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.multiformats.PeerId;
import io.rhizome.transport.libp2p.internal.relay.CircuitMessage;
import io.rhizome.transport.libp2p.internal.relay.RelayClient;
import io.rhizome.transport.libp2p.internal.relay.RelayException;
import io.rhizome.transport.libp2p.internal.relay.RelayLimits;
import io.rhizome.transport.libp2p.internal.relay.RelayService;
import io.rhizome.transport.libp2p.internal.relay.ReservationVoucher;

/**
 * Circuit relay v2 against js-libp2p's @libp2p/circuit-relay-v2 (js/relay.mjs) in both roles: a js
 * relay with Rhizome clients on both sides, a Rhizome relay with js clients on both sides, and a js
 * client reaching a Rhizome client through a Rhizome relay; plus the limits (a reservation over the
 * maximum refused with RESERVATION_REFUSED, a circuit past its data limit closed) on both relays.
 */
class RelayInteropTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private final List<Libp2pHost> hosts = new ArrayList<>();
    private final List<JsPeer> peers = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (JsPeer p : peers) {
            p.close();
        }
        hosts.forEach(Libp2pHost::stop);
    }

    private record Node(Libp2pHost host, RelayClient client, LpEcho echo) {
    }

    private Node client() throws Exception {
        Libp2pHost h = Nodes.host();
        RelayClient c = RelayClient.install(h);
        LpEcho echo = new LpEcho();
        h.register(LpEcho.SYNC, echo);
        h.start();
        hosts.add(h);
        return new Node(h, c, echo);
    }

    private RelayService rhizomeRelay(RelayLimits limits) throws Exception {
        KeyServiceSigner signer = new KeyServiceSigner(TestKeys.random());
        Libp2pHost h = new Libp2pHost(signer, Nodes.config());
        RelayService relay = RelayService.install(h, signer, limits);
        h.start();
        hosts.add(h);
        return relay;
    }

    private Multiaddr relayAddress(RelayService relay) {
        return hosts.stream().filter(h -> h.peerId().equals(relayPeer(relay))).findFirst().orElseThrow().listenAddresses().get(0);
    }

    private PeerId relayPeer(RelayService relay) {
        return hosts.get(hosts.size() - 1).peerId();
    }

    private Multiaddr jsRelay(int maxReservations, long dataLimit) throws Exception {
        JsPeer js = JsPeer.startScript("relay.mjs", "server", Integer.toString(maxReservations), Long.toString(dataLimit));
        peers.add(js);
        String listening = js.await("\"event\":\"listening\"", WAIT);
        return Multiaddr.parse(listening.replaceAll(".*\"addrs\":\\[\"([^\"]+)\".*", "$1"));
    }

    @Test
    void rhizomeClientsReserveAndConnectThroughAJsRelay() throws Exception {
        Multiaddr relay = jsRelay(4, 1 << 20);
        Node b = client();
        RelayClient.Granted g = b.client().reserve(relay).get(30, TimeUnit.SECONDS);
        assertTrue(g.expires().isAfter(java.time.Instant.now().plusSeconds(60)), "js grants reservations of hours: " + g.expires());
        ReservationVoucher v = ReservationVoucher.verify(g.reservation().voucher().orElseThrow());
        assertEquals(relay.peerId().orElseThrow(), v.relay());
        assertEquals(b.host().peerId(), v.peer());
        assertTrue(g.limit().orElseThrow().dataBytes() == 1 << 20, "the js relay announces its data limit: " + g.limit());

        Node a = client();
        Multiaddr target = RelayClient.circuit(relay, b.host().peerId());
        Libp2pConnection c = a.host().dial(target).get(30, TimeUnit.SECONDS);
        assertTrue(c.isRelayed());
        assertEquals(b.host().peerId(), c.remotePeer(), "Noise over the circuit authenticated the target itself");
        assertEquals(List.of("rz-echo:one", "rz-echo:two", "rz-echo:three"), LpEcho.exchange(c, List.of("one", "two", "three")));
        assertEquals(List.of("one", "two", "three"), b.echo().received);
        Libp2pConnection inbound = b.echo().connections.get(0);
        assertTrue(inbound.isRelayed());
        assertEquals(RelayClient.circuit(relay, a.host().peerId()).toString(), inbound.remoteAddress().toString());
    }

    @Test
    void aJsRelayRefusesAReservationOverItsMaximumAndClosesACircuitPastItsDataLimit() throws Exception {
        Multiaddr relay = jsRelay(1, 64 * 1024);
        Node b = client();
        b.client().reserve(relay).get(30, TimeUnit.SECONDS);
        Node extra = client();
        ExecutionException e = assertThrows(ExecutionException.class, () -> extra.client().reserve(relay).get(30, TimeUnit.SECONDS));
        RelayException refused = assertInstanceOf(RelayException.class, e.getCause());
        assertEquals(CircuitMessage.Status.RESERVATION_REFUSED, refused.status().orElseThrow(), refused.getMessage());

        Node a = client();
        Libp2pConnection c = a.host().dial(RelayClient.circuit(relay, b.host().peerId())).get(30, TimeUnit.SECONDS);
        sendPastLimit(c, 256 * 1024);
        Await.until(WAIT, "the js relay closes the circuit past 64 KiB", () -> !c.isOpen());
        assertTrue(b.echo().bytes.get() < 256 * 1024, "the target got " + b.echo().bytes.get() + " bytes");
    }

    @Test
    void jsClientsReserveAndConnectThroughARhizomeRelay() throws Exception {
        RelayService relay = rhizomeRelay(RelayLimits.defaults());
        Multiaddr relayAddr = relayAddress(relay);
        JsPeer listener = JsPeer.startScript("relay.mjs", "listen", relayAddr.toString());
        peers.add(listener);
        String reserved = listener.await("\"event\":\"reserved\"", WAIT);
        assertEquals(1, relay.reservations());
        String circuit = reserved.replaceAll(".*\"addrs\":\\[\"([^\"]+)\".*", "$1");
        assertTrue(circuit.startsWith(relayAddr + "/p2p-circuit/p2p/"), circuit);
        try (JsPeer dialer = JsPeer.startScript("relay.mjs", "dial", circuit, "3")) {
            assertEquals(0, dialer.waitForExit(WAIT), dialer.lines.toString());
            assertEquals(List.of("js-echo:hello 0", "js-echo:hello 1", "js-echo:hello 2"),
                    dialer.all("sync-reply").stream().map(l -> JsPeer.field(l, "text")).toList());
        }
        assertEquals(3, listener.all("sync-message").size());
        assertTrue(listener.all("sync-message").get(0).contains(relayAddr + "/p2p-circuit/p2p/"), listener.lines.toString());
    }

    @Test
    void aJsClientReachesARhizomeClientThroughARhizomeRelay() throws Exception {
        RelayService relay = rhizomeRelay(RelayLimits.defaults());
        Multiaddr relayAddr = relayAddress(relay);
        Node b = client();
        b.client().reserve(relayAddr).get(30, TimeUnit.SECONDS);
        assertEquals(List.of(RelayClient.circuit(relayAddr, b.host().peerId())), b.client().circuitAddresses());
        try (JsPeer dialer = JsPeer.startScript("relay.mjs", "dial", b.client().circuitAddresses().get(0).toString(), "3")) {
            assertEquals(0, dialer.waitForExit(WAIT), dialer.lines.toString());
            assertEquals(List.of("rz-echo:hello 0", "rz-echo:hello 1", "rz-echo:hello 2"),
                    dialer.all("sync-reply").stream().map(l -> JsPeer.field(l, "text")).toList());
            assertEquals(b.host().peerId().toBase58(), JsPeer.field(dialer.await("\"event\":\"connected\"", WAIT), "remotePeer"));
        }
        assertEquals(List.of("hello 0", "hello 1", "hello 2"), b.echo().received);
        assertTrue(b.echo().connections.get(0).isRelayed());
    }

    @Test
    void aRhizomeRelayEnforcesItsReservationAndDataLimits() throws Exception {
        RelayService relay = rhizomeRelay(new RelayLimits(1, Duration.ofMinutes(10), 8, 2, Duration.ofMinutes(1), 32 * 1024));
        Multiaddr relayAddr = relayAddress(relay);
        Node b = client();
        RelayClient.Granted g = b.client().reserve(relayAddr).get(30, TimeUnit.SECONDS);
        assertEquals(new CircuitMessage.Limit(60, 32 * 1024), g.limit().orElseThrow());
        ReservationVoucher v = ReservationVoucher.verify(g.reservation().voucher().orElseThrow());
        assertEquals(g.reservation().expireEpochSeconds(), v.expirationEpochSeconds());
        // a refresh by the same peer is no second reservation
        b.client().reserve(relayAddr).get(30, TimeUnit.SECONDS);
        assertEquals(1, relay.reservations());

        Node extra = client();
        ExecutionException e = assertThrows(ExecutionException.class, () -> extra.client().reserve(relayAddr).get(30, TimeUnit.SECONDS));
        RelayException refused = assertInstanceOf(RelayException.class, e.getCause());
        assertEquals(CircuitMessage.Status.RESERVATION_REFUSED, refused.status().orElseThrow());
        assertEquals(200, refused.status().orElseThrow().code);
        assertEquals(1, relay.refusedReservations());

        ExecutionException none = assertThrows(ExecutionException.class,
                () -> extra.host().dial(RelayClient.circuit(relayAddr, extra.host().peerId())).get(30, TimeUnit.SECONDS));
        assertEquals(CircuitMessage.Status.NO_RESERVATION, ((RelayException) none.getCause()).status().orElseThrow());

        Node a = client();
        Libp2pConnection c = a.host().dial(RelayClient.circuit(relayAddr, b.host().peerId())).get(30, TimeUnit.SECONDS);
        assertEquals(List.of("rz-echo:within the limit"), LpEcho.exchange(c, List.of("within the limit")));
        assertEquals(1, relay.circuits());
        sendPastLimit(c, 128 * 1024);
        Await.until(WAIT, "the Rhizome relay closes the circuit past 32 KiB", () -> !c.isOpen());
        Await.until(WAIT, "the relay forgets the closed circuit", () -> relay.circuits() == 0);
        assertTrue(b.echo().bytes.get() <= 32 * 1024, "the target got " + b.echo().bytes.get() + " bytes of Noise frames");
    }

    @Test
    void aRhizomeRelayAnswersGarbageWithMalformedMessageAndRelaysNothing() throws Exception {
        RelayService relay = rhizomeRelay(RelayLimits.defaults());
        Multiaddr relayAddr = relayAddress(relay);
        Node stranger = client();
        Libp2pConnection c = stranger.host().dial(relayAddr).get(30, TimeUnit.SECONDS);
        for (byte[] request : new byte[][] {{0x08, 0x07}, {0x08, 0x01, 0x12, 0x05, 0x01}, {0x0f}}) {
            java.util.concurrent.CompletableFuture<byte[]> answer = new java.util.concurrent.CompletableFuture<>();
            io.netty.buffer.ByteBuf got = io.netty.buffer.Unpooled.buffer();
            var stream = c.newStream(CircuitMessage.HOP, new io.rhizome.transport.libp2p.internal.yamux.StreamHandler() {
                @Override
                public void onData(io.rhizome.transport.libp2p.internal.yamux.YamuxStream s, io.netty.buffer.ByteBuf data) {
                    got.writeBytes(data);
                    long len = io.rhizome.transport.libp2p.internal.multiformats.Varint.peek(got);
                    int header = len < 0 ? 0 : io.rhizome.transport.libp2p.internal.multiformats.Varint.size(len);
                    if (len >= 0 && got.readableBytes() >= header + len) {
                        got.skipBytes(header);
                        byte[] b = new byte[(int) len];
                        got.readBytes(b);
                        answer.complete(b);
                    }
                }
            }).get(30, TimeUnit.SECONDS);
            io.netty.buffer.ByteBuf frame = io.netty.buffer.Unpooled.buffer();
            io.rhizome.transport.libp2p.internal.multiformats.Varint.write(frame, request.length);
            frame.writeBytes(request);
            stream.write(frame);
            CircuitMessage m = CircuitMessage.decode(true, answer.get(30, TimeUnit.SECONDS));
            assertEquals(CircuitMessage.Status.MALFORMED_MESSAGE, m.status().orElseThrow(), Hex.of(request));
            assertEquals(400, m.status().orElseThrow().code);
        }
        assertEquals(0, relay.reservations());
        assertEquals(0, relay.circuits());
        assertTrue(c.isOpen(), "a bad request costs the stranger its stream, not its connection");
    }

    /** Writes {@code total} bytes of messages on a sync stream, not waiting for the echoes. */
    private static void sendPastLimit(Libp2pConnection c, int total) throws Exception {
        LpEcho sink = new LpEcho();
        var stream = c.newStream(LpEcho.SYNC, sink.reader(r -> {
        })).get(30, TimeUnit.SECONDS);
        String chunk = "x".repeat(4000);
        for (int sent = 0; sent < total; sent += chunk.length()) {
            stream.write(LpEcho.frame(chunk));
        }
    }
}

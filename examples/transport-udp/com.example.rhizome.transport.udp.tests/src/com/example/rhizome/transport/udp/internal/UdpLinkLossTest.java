package com.example.rhizome.transport.udp.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.rhizome.spi.transport.MessageReceiver;
import io.rhizome.spi.transport.PeerLink;
import io.rhizome.spi.transport.TransportListener;

/**
 * What UDP does that loopback rarely shows: through a relay that drops 10 % of the datagrams, sends
 * 5 % twice and reorders 10 %, the handshake still completes and every message, small or cut into
 * hundreds of packets, arrives once, whole and in order, both ways.
 */
class UdpLinkLossTest {

    private static final long WAIT_SECONDS = 60;

    /** Collects one link's messages in order. */
    private static final class Collector implements MessageReceiver {
        final LinkedBlockingQueue<byte[]> messages = new LinkedBlockingQueue<>();

        @Override
        public void message(PeerLink link, byte[] message) {
            messages.add(message);
        }

        @Override
        public void closed(PeerLink link, Optional<Throwable> cause) {
        }

        List<byte[]> take(int count) throws InterruptedException {
            List<byte[]> out = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            while (out.size() < count) {
                byte[] m = messages.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (m == null) {
                    throw new AssertionError("only " + out.size() + " of " + count + " messages arrived within " + WAIT_SECONDS + " s");
                }
                out.add(m);
            }
            return out;
        }
    }

    @Test
    void everyMessageArrivesOnceWholeAndInOrderThroughALossyReorderingPath() throws Exception {
        JdkIdentity a = new JdkIdentity();
        JdkIdentity b = new JdkIdentity();
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        UdpTransport dialler = new UdpTransport(a, loopback);
        UdpTransport listener = new UdpTransport(b, loopback);
        LinkedBlockingQueue<PeerLink> inbound = new LinkedBlockingQueue<>();
        TransportListener accept = inbound::add;
        dialler.start(l -> { });
        listener.start(accept);
        try (LossyRelay relay = new LossyRelay(UdpAddress.parse(listener.listenAddresses().get(0)), 42, 0.10, 0.05, 0.10)) {
            PeerLink out = dialler.connect(relay.address()).toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
            PeerLink in = inbound.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertEquals(b.deviceId(), out.remotePeerId(), "the dialler authenticated the listener through the relay");
            assertEquals(a.deviceId(), in.remotePeerId(), "the listener authenticated the dialler through the relay");
            Collector atListener = new Collector();
            Collector atDialler = new Collector();
            in.receiver(atListener);
            out.receiver(atDialler);

            Random random = new Random(7);
            List<byte[]> forth = new ArrayList<>();
            List<byte[]> back = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                int size = i % 50 == 0 ? 200_000 : 1 + random.nextInt(3_000); // some span many packets
                byte[] m = new byte[size];
                random.nextBytes(m);
                (i % 2 == 0 ? forth : back).add(m);
            }
            List<CompletableFuture<Void>> sends = new ArrayList<>();
            forth.forEach(m -> sends.add(out.send(m).toCompletableFuture()));
            back.forEach(m -> sends.add(in.send(m).toCompletableFuture()));
            for (CompletableFuture<Void> s : sends) {
                s.get(WAIT_SECONDS, TimeUnit.SECONDS);
            }
            List<byte[]> got = atListener.take(forth.size());
            List<byte[]> gotBack = atDialler.take(back.size());
            for (int i = 0; i < forth.size(); i++) {
                assertArrayEquals(forth.get(i), got.get(i), "message " + i + " dialler → listener");
            }
            for (int i = 0; i < back.size(); i++) {
                assertArrayEquals(back.get(i), gotBack.get(i), "message " + i + " listener → dialler");
            }
            // what arrives is all there is: nothing was delivered twice
            out.send(new byte[] { 1 }).toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertArrayEquals(new byte[] { 1 }, atListener.take(1).get(0), "the next message, not a duplicate, comes next");
            assertTrue(relay.dropped.get() > 0 && relay.duplicated.get() > 0 && relay.reordered.get() > 0,
                    "the relay dropped " + relay.dropped + ", duplicated " + relay.duplicated + " and reordered " + relay.reordered + " datagrams");
        } finally {
            dialler.stop();
            listener.stop();
        }
    }
}

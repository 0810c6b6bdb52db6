package io.rhizome.conformance.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.rhizome.spi.transport.MessageReceiver;
import io.rhizome.spi.transport.PeerLink;
import io.rhizome.spi.transport.Transport;
import io.rhizome.spi.transport.TransportListener;

/**
 * The conformance suite every {@link Transport} implementation runs: subclass it in the
 * transport's test bundle and provide two transports that can reach each other.
 *
 * <p>What it checks, against the contract of {@link Transport} and {@link PeerLink}: links open
 * to the right device and carry messages both ways, whole and in order; a link closed mid-stream
 * is reported exactly once to each side's {@link MessageReceiver#closed} and refuses sends
 * afterwards; messages already handed on before a close still reach the other side (the engine
 * sends a protocol {@code Error} and closes right after); stopping a transport closes its links
 * and it can be started again (the engine's pause/resume does this on the same instance); messages
 * up to {@link PeerLink#maxMessageSize()} pass and larger ones are refused by {@code send} without
 * harming the link; arbitrary bytes are delivered as they were sent (the transport never
 * interprets messages); a connection to an address nobody listens at fails with an
 * {@link IOException}.
 *
 * <p>Lifecycle: {@link #newFirst()} and {@link #newSecond()} are called before every test and must
 * return fresh, <em>not yet started</em> transports; the suite starts them with its own
 * listeners and stops both after the test (then {@link #cleanUp()} runs). Every wait is bounded
 * by {@link #timeout()}.
 */
public abstract class TransportConformanceSuite {

    /** A fresh, unstarted transport: the side that dials. */
    protected abstract Transport newFirst() throws Exception;

    /** A fresh, unstarted transport: the side that listens, reachable from the first. */
    protected abstract Transport newSecond() throws Exception;

    /** The device id the second transport authenticates as (what the first's link reports). */
    protected abstract String secondDeviceId();

    /** The device id the first transport authenticates as (what the second's link reports). */
    protected abstract String firstDeviceId();

    /**
     * The address the first transport dials to reach the second, once the second is started. The
     * default is the second's first listen address.
     */
    protected String addressOfSecond(Transport second) {
        List<String> addresses = second.listenAddresses();
        assertFalse(addresses.isEmpty(), "a started transport lists at least one listen address");
        return addresses.get(0);
    }

    /** An address in this transport's syntax at which nobody listens. */
    protected abstract String unreachableAddress();

    /** Releases whatever the factories created (networks, ports, folders). */
    protected void cleanUp() throws Exception {
    }

    /** Upper bound of every wait. */
    protected Duration timeout() {
        return Duration.ofSeconds(30);
    }

    /** The largest message the large-message test sends; at most the link's maximum. */
    protected int largestMessageToTest(PeerLink link) {
        return link.maxMessageSize();
    }

    // ------------------------------------------------------------------ fixture

    protected Transport first;
    protected Transport second;
    protected final Inbound firstInbound = new Inbound();
    protected final Inbound secondInbound = new Inbound();

    @BeforeEach
    void startTransports() throws Exception {
        first = newFirst();
        second = newSecond();
        first.start(firstInbound);
        second.start(secondInbound);
    }

    @AfterEach
    void stopTransports() throws Exception {
        try {
            if (first != null) {
                first.stop();
            }
            if (second != null) {
                second.stop();
            }
        } finally {
            cleanUp();
        }
    }

    /** A link pair: the first's end (dialled) and the second's end (accepted), each with a recorder. */
    protected record Pair(PeerLink dialled, Recorder dialledSide, PeerLink accepted, Recorder acceptedSide) {
    }

    /** Connects first → second and wires recorders to both ends. */
    protected Pair connect() throws Exception {
        PeerLink dialled = await(first.connect(addressOfSecond(second)), "connect to the second transport");
        Recorder dialledSide = new Recorder();
        dialled.receiver(dialledSide);
        PeerLink accepted = secondInbound.next(timeout());
        Recorder acceptedSide = new Recorder();
        accepted.receiver(acceptedSide);
        return new Pair(dialled, dialledSide, accepted, acceptedSide);
    }

    // ------------------------------------------------------------------ tests

    @Test
    void aLinkReachesTheRightDeviceAndCarriesMessagesBothWaysInOrder() throws Exception {
        Pair p = connect();
        assertEquals(secondDeviceId(), p.dialled().remotePeerId(), "the dialling side knows whom it reached");
        assertEquals(firstDeviceId(), p.accepted().remotePeerId(), "the accepting side knows who dialled");
        assertEquals(first.kind(), p.dialled().transportKind());
        assertEquals(second.kind(), p.accepted().transportKind());
        assertTrue(p.dialled().isOpen() && p.accepted().isOpen());

        int count = 2000;
        List<byte[]> forth = messages(count, 1, 300, 1);
        List<byte[]> back = messages(count, 1, 300, 2);
        // Both directions at once: a transport must not serialise one behind the other.
        Thread t = new Thread(() -> sendAll(p.accepted(), back), "conformance-sender");
        t.start();
        sendAll(p.dialled(), forth);
        t.join(timeout().toMillis());
        assertEquals(forth.size(), p.acceptedSide().awaitCount(count, timeout()).size());
        assertEquals(back.size(), p.dialledSide().awaitCount(count, timeout()).size());
        assertSameMessages(forth, p.acceptedSide().messages());
        assertSameMessages(back, p.dialledSide().messages());
        assertEquals(1, p.acceptedSide().maxConcurrentCalls(), "calls for one link never overlap");
        assertEquals(1, p.dialledSide().maxConcurrentCalls(), "calls for one link never overlap");
        assertEquals(0, p.acceptedSide().closedCount());
    }

    @Test
    void messagesOfEverySizeArriveWholeAndUnmerged() throws Exception {
        Pair p = connect();
        int max = largestMessageToTest(p.dialled());
        List<byte[]> sent = new ArrayList<>();
        Random random = new Random(7);
        for (int size : new int[] { 1, 2, 3, 17, 255, 256, 1023, 1024, 1025, 65_535, 65_536, 65_537, 300_000 }) {
            if (size <= max) {
                byte[] m = new byte[size];
                random.nextBytes(m);
                sent.add(m);
            }
        }
        sendAll(p.dialled(), sent);
        p.acceptedSide().awaitCount(sent.size(), timeout());
        assertSameMessages(sent, p.acceptedSide().messages());
    }

    @Test
    void messagesUpToTheMaximumPassAndLargerOnesAreRefusedWithoutHarmingTheLink() throws Exception {
        Pair p = connect();
        int max = p.dialled().maxMessageSize();
        assertTrue(max > 0, "maxMessageSize is positive");
        int largest = largestMessageToTest(p.dialled());
        assertTrue(largest <= max, "the suite never sends more than the link's maximum");
        byte[] big = new byte[largest];
        new Random(11).nextBytes(big);
        await(p.dialled().send(big), "send a message of " + largest + " bytes");

        if (max < Integer.MAX_VALUE - 16) {
            byte[] tooBig = new byte[max + 1];
            Throwable refused = failure(p.dialled().send(tooBig), "send a message of max+1 bytes");
            assertNotNull(refused, "a message larger than maxMessageSize (" + max + ") is refused");
        }
        byte[] after = "still alive".getBytes();
        await(p.dialled().send(after), "send after a refused message");
        await(p.accepted().send(after), "send back after a refused message");

        List<byte[]> got = p.acceptedSide().awaitCount(2, timeout());
        assertEquals(2, got.size(), "the oversized message was not delivered in any form");
        assertArrayEquals(big, got.get(0));
        assertArrayEquals(after, got.get(1));
        assertArrayEquals(after, p.dialledSide().awaitCount(1, timeout()).get(0));
        assertTrue(p.dialled().isOpen() && p.accepted().isOpen(), "a refused send does not close the link");
        assertEquals(0, p.dialledSide().closedCount());
        assertEquals(0, p.acceptedSide().closedCount());
    }

    @Test
    void arbitraryBytesAreDeliveredAsSentAndNeverInterpreted() throws Exception {
        Pair p = connect();
        List<byte[]> garbage = new ArrayList<>();
        Random random = new Random(13);
        for (int i = 0; i < 200; i++) {
            byte[] m = new byte[1 + random.nextInt(2048)];
            random.nextBytes(m);
            garbage.add(m);
        }
        // Things a framing layer might be tempted to interpret.
        garbage.add(new byte[] { 0 });
        garbage.add(new byte[] { (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF });
        garbage.add(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0 });
        garbage.add(new byte[] { 0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 1, 2, 3 });
        garbage.add("\r\n\r\n".getBytes());
        garbage.add(new byte[] { (byte) 0xBF, (byte) 0xFF });
        sendAll(p.dialled(), garbage);
        p.acceptedSide().awaitCount(garbage.size(), timeout());
        assertSameMessages(garbage, p.acceptedSide().messages());
        assertTrue(p.accepted().isOpen(), "garbage does not close the link: that is the engine's decision");
    }

    @Test
    void aLinkClosedMidStreamIsReportedOnceOnBothSidesAndRefusesSends() throws Exception {
        Pair p = connect();
        List<byte[]> stream = messages(5000, 1, 200, 3);
        sendAll(p.dialled(), stream.subList(0, 2500));
        p.acceptedSide().awaitCount(1, timeout());
        p.dialled().close();
        // Sends after close fail on the closing side at once.
        assertNotNull(failure(p.dialled().send(stream.get(2500)), "send on a closed link"), "send after close fails");
        awaitCondition("both sides are told the link closed", () -> p.dialledSide().closedCount() >= 1 && p.acceptedSide().closedCount() >= 1);
        awaitCondition("the remote side sees the link closed", () -> !p.accepted().isOpen());
        assertFalse(p.dialled().isOpen());
        assertNotNull(failure(p.accepted().send(new byte[] { 1 }), "send on the remote end of a closed link"),
                "send on the other end fails too");
        p.dialled().close(); // idempotent

        // What arrived is an in-order prefix of what was sent, and nothing came after the close.
        List<byte[]> got = p.acceptedSide().messages();
        assertTrue(got.size() <= 2500, "nothing sent after close was delivered");
        assertSameMessages(stream.subList(0, got.size()), got);
        assertTrue(p.acceptedSide().closedAfterLastMessage(), "closed() is the last call");

        // Let time pass through real work (a second link, a round trip) instead of a sleep, then
        // check that closed() was not reported a second time.
        Pair again = connect();
        await(again.dialled().send(new byte[] { 42 }), "send on a new link");
        again.acceptedSide().awaitCount(1, timeout());
        assertEquals(1, p.dialledSide().closedCount(), "closed() is called once on the closing side");
        assertEquals(1, p.acceptedSide().closedCount(), "closed() is called once on the remote side");
    }

    @Test
    void aLinkClosedByTheAcceptingSideWhileTheOtherSendsEndsCleanly() throws Exception {
        Pair p = connect();
        List<byte[]> stream = messages(3000, 16, 64, 4);
        AtomicInteger failures = new AtomicInteger();
        Thread sender = new Thread(() -> {
            for (byte[] m : stream) {
                try {
                    p.dialled().send(m).toCompletableFuture().get(timeout().toMillis(), TimeUnit.MILLISECONDS);
                } catch (Exception e) {
                    failures.incrementAndGet();
                }
            }
        }, "conformance-sender");
        sender.start();
        p.acceptedSide().awaitCount(10, timeout());
        p.accepted().close();
        sender.join(timeout().toMillis());
        assertFalse(sender.isAlive(), "send() never blocks forever on a closed link");
        awaitCondition("both sides are told the link closed", () -> p.dialledSide().closedCount() >= 1 && p.acceptedSide().closedCount() >= 1);
        assertFalse(p.dialled().isOpen());
        assertNotNull(failure(p.dialled().send(new byte[] { 9 }), "send on the remote end of a closed link"));
        List<byte[]> got = p.acceptedSide().messages();
        assertSameMessages(stream.subList(0, got.size()), got);
        Pair again = connect();
        await(again.accepted().send(new byte[] { 7 }), "send on a new link");
        again.dialledSide().awaitCount(1, timeout());
        assertEquals(1, p.dialledSide().closedCount());
        assertEquals(1, p.acceptedSide().closedCount());
    }

    @Test
    void messagesHandedOnBeforeACloseStillReachTheOtherSide() throws Exception {
        Pair p = connect();
        List<byte[]> last = messages(50, 8, 64, 5);
        // The receiver is held inside its first message, so that the rest are still on their way
        // (buffered by the transport) when the sender closes.
        p.acceptedSide().hold();
        for (byte[] m : last) {
            await(p.dialled().send(m), "send before close");
        }
        p.acceptedSide().awaitHeld(timeout());
        p.dialled().close();
        p.acceptedSide().release();
        awaitCondition("the remote side is told the link closed", () -> p.acceptedSide().closedCount() == 1);
        assertSameMessages(last, p.acceptedSide().messages());
        assertTrue(p.acceptedSide().closedAfterLastMessage());
    }

    @Test
    void stoppingATransportClosesItsLinksAndItCanBeStartedAgain() throws Exception {
        Pair p = connect();
        await(p.dialled().send(new byte[] { 1 }), "send before the stop");
        p.acceptedSide().awaitCount(1, timeout());

        second.stop();
        awaitCondition("both ends of the link are told it closed", () -> p.dialledSide().closedCount() == 1 && p.acceptedSide().closedCount() == 1);
        assertFalse(p.dialled().isOpen());
        assertNotNull(failure(p.dialled().send(new byte[] { 2 }), "send over a link of a stopped transport"));
        assertTrue(second.listenAddresses().isEmpty(), "a stopped transport lists no listen addresses");

        second.start(secondInbound);
        Pair again = connect();
        List<byte[]> forth = messages(100, 1, 100, 6);
        List<byte[]> back = messages(100, 1, 100, 7);
        sendAll(again.dialled(), forth);
        sendAll(again.accepted(), back);
        assertSameMessages(forth, again.acceptedSide().awaitCount(forth.size(), timeout()));
        assertSameMessages(back, again.dialledSide().awaitCount(back.size(), timeout()));
        assertEquals(1, p.dialledSide().closedCount(), "the old link is reported closed once");
        assertEquals(1, p.acceptedSide().closedCount(), "the old link is reported closed once");
        assertEquals(0, again.dialledSide().closedCount());
    }

    @Test
    void connectingToAnAddressNobodyListensAtFailsWithAnIoException() {
        Throwable t = failure(first.connect(unreachableAddress()), "connect to " + unreachableAddress());
        assertNotNull(t, "connecting to " + unreachableAddress() + " fails");
        assertTrue(t instanceof IOException, "the failure is an IOException: " + t);
        assertNotNull(t.getMessage(), "the failure says what failed");
    }

    // ------------------------------------------------------------------ helpers

    /** Deterministic messages with a sequence number in the first 4 bytes. */
    protected static List<byte[]> messages(int count, int minSize, int maxSize, long seed) {
        Random random = new Random(seed);
        List<byte[]> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte[] m = new byte[Math.max(4, minSize + random.nextInt(maxSize - minSize + 1))];
            random.nextBytes(m);
            m[0] = (byte) (i >>> 24);
            m[1] = (byte) (i >>> 16);
            m[2] = (byte) (i >>> 8);
            m[3] = (byte) i;
            out.add(m);
        }
        return out;
    }

    protected void sendAll(PeerLink link, List<byte[]> messages) {
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        for (byte[] m : messages) {
            pending.add(link.send(m).toCompletableFuture());
        }
        for (CompletableFuture<Void> f : pending) {
            try {
                f.get(timeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                throw new AssertionError("send failed: " + e, e);
            }
        }
    }

    protected static void assertSameMessages(List<byte[]> expected, List<byte[]> actual) {
        assertEquals(expected.size(), actual.size(), "message count");
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), "message " + i + " arrived changed or out of order");
        }
    }

    protected <T> T await(CompletionStage<T> stage, String what) throws Exception {
        try {
            return stage.toCompletableFuture().get(timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("timed out: " + what, e);
        } catch (ExecutionException e) {
            throw new AssertionError(what + " failed: " + e.getCause(), e.getCause());
        }
    }

    /** The failure a stage completes with, or null if it completes normally. */
    protected Throwable failure(CompletionStage<?> stage, String what) {
        try {
            stage.toCompletableFuture().get(timeout().toMillis(), TimeUnit.MILLISECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            throw new AssertionError("timed out: " + what, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted: " + what, e);
        }
    }

    protected void awaitCondition(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout().toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + timeout().toMillis() + " ms waiting for: " + what);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for: " + what);
            }
        }
    }

    /** Collects inbound links. */
    protected static final class Inbound implements TransportListener {
        private final LinkedBlockingQueue<PeerLink> links = new LinkedBlockingQueue<>();

        @Override
        public void inbound(PeerLink link) {
            links.add(link);
        }

        public PeerLink next(Duration timeout) throws InterruptedException {
            PeerLink l = links.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (l == null) {
                throw new AssertionError("no inbound link within " + timeout.toMillis() + " ms");
            }
            return l;
        }
    }

    /** Records what one link delivers, and checks the receiver contract while doing so. */
    protected static final class Recorder implements MessageReceiver {
        private final List<byte[]> messages = new ArrayList<>();
        private final AtomicInteger closed = new AtomicInteger();
        private final AtomicInteger inCall = new AtomicInteger();
        private final AtomicInteger maxInCall = new AtomicInteger();
        private boolean messageAfterClose;

        private volatile CountDownLatch gate;
        private final CountDownLatch held = new CountDownLatch(1);

        /** Makes the next message() call wait (bounded) until {@link #release()}. */
        public void hold() {
            gate = new CountDownLatch(1);
        }

        public void release() {
            CountDownLatch g = gate;
            if (g != null) {
                g.countDown();
            }
        }

        /** Waits until a message() call is being held. */
        public void awaitHeld(Duration timeout) throws InterruptedException {
            if (!held.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("no message arrived to hold within " + timeout.toMillis() + " ms");
            }
        }

        @Override
        public void message(PeerLink link, byte[] message) {
            enter();
            try {
                CountDownLatch g = gate;
                if (g != null) {
                    held.countDown();
                    try {
                        g.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    gate = null;
                }
                synchronized (this) {
                    if (closed.get() > 0) {
                        messageAfterClose = true;
                    }
                    messages.add(message.clone());
                    notifyAll();
                }
            } finally {
                inCall.decrementAndGet();
            }
        }

        @Override
        public void closed(PeerLink link, Optional<Throwable> cause) {
            enter();
            try {
                synchronized (this) {
                    closed.incrementAndGet();
                    notifyAll();
                }
            } finally {
                inCall.decrementAndGet();
            }
        }

        private void enter() {
            int now = inCall.incrementAndGet();
            maxInCall.accumulateAndGet(now, Math::max);
        }

        public synchronized List<byte[]> messages() {
            return new ArrayList<>(messages);
        }

        public int closedCount() {
            return closed.get();
        }

        /** Whether no message was delivered after closed(). */
        public synchronized boolean closedAfterLastMessage() {
            return !messageAfterClose;
        }

        /** At most 1 if the transport honours "calls for one link are never concurrent"; 0 if never called. */
        public int maxConcurrentCalls() {
            return maxInCall.get();
        }

        /** Waits until at least {@code count} messages arrived; returns all of them. */
        public synchronized List<byte[]> awaitCount(int count, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (messages.size() < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("only " + messages.size() + " of " + count + " messages arrived within " + timeout.toMillis() + " ms"
                            + (closed.get() > 0 ? " (the link closed)" : ""));
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return new ArrayList<>(messages);
        }
    }
}

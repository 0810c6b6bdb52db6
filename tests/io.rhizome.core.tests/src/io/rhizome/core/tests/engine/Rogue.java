package io.rhizome.core.tests.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.rhizome.core.internal.protocol.Message;
import io.rhizome.core.internal.protocol.MessageCodec;
import io.rhizome.core.internal.protocol.ProtocolException;
import io.rhizome.spi.transport.MessageReceiver;
import io.rhizome.spi.transport.PeerLink;
import io.rhizome.transport.memory.MemoryNetwork;
import io.rhizome.transport.memory.MemoryTransport;

/**
 * A hostile endpoint on a {@link MemoryNetwork}: speaks raw protocol messages (or raw bytes) over
 * a {@link PeerLink} to a node and records what comes back. Authenticated by the network as
 * {@code id}, whatever it claims in its messages.
 */
final class Rogue implements MessageReceiver, AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(30);

    private final MemoryTransport endpoint;
    private final MessageCodec codec = new MessageCodec();
    private final LinkedBlockingQueue<Message> received = new LinkedBlockingQueue<>();
    private final AtomicInteger undecodable = new AtomicInteger();
    private final AtomicInteger closed = new AtomicInteger();
    private final String id;
    private PeerLink link;
    private long batchIds;

    Rogue(MemoryNetwork network, String id) throws Exception {
        this.id = id;
        endpoint = network.endpoint(id);
        endpoint.start(PeerLink::close);
    }

    /** Opens a link to a node; no message is sent yet. */
    Rogue dial(String deviceId) throws Exception {
        link = endpoint.connect(MemoryNetwork.address(deviceId)).toCompletableFuture().get(30, TimeUnit.SECONDS);
        link.receiver(this);
        return this;
    }

    /** Says hello honestly and waits for the node's hello-ack. */
    Message.HelloAck handshake() throws Exception {
        send(new Message.Hello(Message.PROTOCOL_VERSION, id, List.of(), "rogue/0"));
        return await(Message.HelloAck.class);
    }

    /** Says hello announcing optional message kinds (a current node), and waits for the node's hello-ack. */
    Message.HelloAck handshake(List<String> features) throws Exception {
        send(new Message.Hello(Message.PROTOCOL_VERSION, id, List.of(), "rogue/1", System.currentTimeMillis(), features));
        return await(Message.HelloAck.class);
    }

    /** Every message received so far and not yet awaited (taken out). */
    List<Message> drain() {
        List<Message> all = new java.util.ArrayList<>();
        received.drainTo(all);
        return all;
    }

    void send(Message m) {
        raw(codec.encode(m));
    }

    void raw(byte[] bytes) {
        link.send(bytes).toCompletableFuture().join();
    }

    byte[] encode(Message m) {
        return codec.encode(m);
    }

    /** Sends a batch of encoded envelopes; returns its id. */
    long batch(List<byte[]> envelopes) {
        long bid = ++batchIds;
        send(new Message.EventBatch(bid, envelopes, false));
        return bid;
    }

    /** The next message of a type, skipping others (hello-ack, subscribe, sync-request...). */
    <T extends Message> T await(Class<T> type) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            Message m = left > 0 ? received.poll(left, TimeUnit.NANOSECONDS) : null;
            if (m == null) {
                throw new AssertionError("no " + type.getSimpleName() + " from the node within " + WAIT.toMillis() + " ms"
                        + (closed.get() > 0 ? " (the link closed)" : ""));
            }
            if (type.isInstance(m)) {
                return type.cast(m);
            }
            if (m instanceof Message.Error e && type != Message.Error.class) {
                throw new AssertionError("expected " + type.getSimpleName() + " but the node answered " + e);
            }
        }
    }

    Message.EventAck awaitAck(long batchId) throws InterruptedException {
        Message.EventAck ack = await(Message.EventAck.class);
        assertTrue(ack.batchId() == batchId, "ack for batch " + batchId + ", got " + ack.batchId());
        return ack;
    }

    void awaitClosed() {
        io.rhizome.testsupport.Await.until(WAIT, id + "'s link is closed by the node", () -> closed.get() > 0 && !link.isOpen());
    }

    boolean isOpen() {
        return link.isOpen() && closed.get() == 0;
    }

    int undecodableReplies() {
        return undecodable.get();
    }

    @Override
    public void message(PeerLink l, byte[] message) {
        try {
            received.add(codec.decode(message));
        } catch (ProtocolException e) {
            undecodable.incrementAndGet();
        }
    }

    @Override
    public void closed(PeerLink l, Optional<Throwable> cause) {
        closed.incrementAndGet();
    }

    @Override
    public void close() {
        if (link != null) {
            link.close();
        }
        endpoint.stop();
    }
}

package com.example.rhizome.transport.udp.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real UDP relay on loopback between one client and one server that does to datagrams what a
 * bad network does: drops some, sends some twice, and holds some back to send after later ones
 * (reordering). Seeded, so a failure can be replayed.
 */
final class LossyRelay implements AutoCloseable {

    private final DatagramChannel front;
    private final DatagramChannel back;
    private final InetSocketAddress server;
    private final Random random;
    private final double drop;
    private final double duplicate;
    private final double delay;
    private volatile SocketAddress client;
    private volatile boolean closed;
    final AtomicInteger dropped = new AtomicInteger();
    final AtomicInteger duplicated = new AtomicInteger();
    final AtomicInteger reordered = new AtomicInteger();
    private final List<Thread> threads = new ArrayList<>();

    LossyRelay(InetSocketAddress server, long seed, double drop, double duplicate, double delay) throws IOException {
        this.server = server;
        this.random = new Random(seed);
        this.drop = drop;
        this.duplicate = duplicate;
        this.delay = delay;
        this.front = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        this.back = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        threads.add(pump(front, back, true));
        threads.add(pump(back, front, false));
    }

    /** The address the client dials instead of the server's. */
    String address() throws IOException {
        return UdpAddress.format((InetSocketAddress) front.getLocalAddress());
    }

    private Thread pump(DatagramChannel from, DatagramChannel to, boolean towardsServer) {
        Thread t = new Thread(() -> {
            ByteBuffer buffer = ByteBuffer.allocate(65_536);
            ByteBuffer held = null;
            while (!closed) {
                try {
                    buffer.clear();
                    SocketAddress sender = from.receive(buffer);
                    if (towardsServer) {
                        client = sender;
                    }
                    SocketAddress target = towardsServer ? server : client;
                    buffer.flip();
                    ByteBuffer copy = ByteBuffer.allocate(buffer.remaining()).put(buffer).flip();
                    double r;
                    synchronized (random) {
                        r = random.nextDouble();
                    }
                    if (r < drop) {
                        dropped.incrementAndGet();
                        continue;
                    }
                    if (r < drop + delay && held == null) {
                        held = copy; // goes out after the next one
                        reordered.incrementAndGet();
                        continue;
                    }
                    to.send(copy.duplicate(), target);
                    if (r < drop + delay + duplicate) {
                        to.send(copy.duplicate(), target);
                        duplicated.incrementAndGet();
                    }
                    if (held != null) {
                        to.send(held, target);
                        held = null;
                    }
                } catch (ClosedChannelException e) {
                    return;
                } catch (IOException e) {
                    // a send to a port that went away: dropped, like the network would
                }
            }
        }, "lossy-relay");
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Override
    public void close() throws Exception {
        closed = true;
        front.close();
        back.close();
        for (Thread t : threads) {
            t.join(5_000);
        }
    }
}

package io.rhizome.transport.libp2p.internal.mdns;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.MulticastSocket;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.Collections;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mDNS multicast socket (224.0.0.251:5353, joined on every interface that is up and supports
 * multicast) and the one thread that serves it: before every receive it lets its {@link Handler}
 * send what is due, then hands it each packet that decodes. Knows nothing of what the packets mean,
 * so {@link MdnsPeerDiscovery}'s protocol logic stays free of sockets and threads.
 */
final class MdnsSocket implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MdnsSocket.class);
    /** How long a receive waits, so that due queries go out at least this often. */
    private static final int RECEIVE_TIMEOUT_MILLIS = 250;

    /** What the mDNS thread does; every call comes from that thread. */
    interface Handler {
        /** Before each receive: send whatever is due at {@code nowNanos} ({@link System#nanoTime()}). */
        void tick(long nowNanos) throws IOException;

        /** A packet that decoded, and where it came from. */
        void received(DnsMessage message, InetAddress source) throws IOException;

        /** The socket failed for good; nothing more is called. */
        void failed();
    }

    private final MulticastSocket socket;
    private final int interfaces;
    private final Handler handler;
    private volatile Thread thread;
    private volatile boolean running;

    private MdnsSocket(MulticastSocket socket, int interfaces, Handler handler) {
        this.socket = socket;
        this.interfaces = interfaces;
        this.handler = handler;
    }

    /**
     * Binds the mDNS port and joins the group on every multicast-capable interface that is up.
     *
     * @throws IOException if the port cannot be bound or no interface could join
     */
    static MdnsSocket open(Handler handler) throws IOException {
        MulticastSocket s = new MulticastSocket(MdnsPeerDiscovery.GROUP.getPort());
        s.setTimeToLive(255);
        s.setSoTimeout(RECEIVE_TIMEOUT_MILLIS);
        int joined = 0;
        for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            try {
                if (nif.isUp() && nif.supportsMulticast()) {
                    s.joinGroup(MdnsPeerDiscovery.GROUP, nif);
                    joined++;
                }
            } catch (IOException e) {
                LOG.debug("mDNS cannot join on {}: {}", nif.getName(), e.getMessage());
            }
        }
        if (joined == 0) {
            s.close();
            throw new IOException("mDNS: no multicast-capable network interface is up");
        }
        return new MdnsSocket(s, joined, handler);
    }

    /** How many interfaces joined the group. */
    int interfaces() {
        return interfaces;
    }

    /** Starts the mDNS thread. */
    void start() {
        running = true;
        Thread t = new Thread(this::run, "rhizome-libp2p-mdns");
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    void send(byte[] packet) throws IOException {
        socket.send(new DatagramPacket(packet, packet.length, MdnsPeerDiscovery.GROUP));
    }

    private void run() {
        byte[] buf = new byte[DnsMessage.MAX_PACKET];
        while (running) {
            try {
                handler.tick(System.nanoTime());
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    socket.receive(p);
                } catch (SocketTimeoutException e) {
                    continue;
                }
                DnsMessage m;
                try {
                    m = DnsMessage.decode(buf, p.getLength());
                } catch (DnsMessage.DnsException e) {
                    LOG.debug("ignoring malformed mDNS packet: {}", e.getMessage());
                    continue;
                }
                handler.received(m, p.getAddress());
            } catch (SocketException e) {
                if (running) {
                    LOG.warn("mDNS socket failed: {}", e.getMessage());
                }
                running = false;
                handler.failed();
                return;
            } catch (IOException | RuntimeException e) {
                LOG.debug("mDNS: {}", e.toString());
            }
        }
    }

    /** Closes the socket and waits (at most 2 s) for the thread to end. */
    @Override
    public void close() {
        running = false;
        socket.close();
        Thread t = thread;
        if (t != null) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

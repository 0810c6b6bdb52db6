package io.rhizome.transport.libp2p.internal.mdns;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MulticastSocket;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.multiformats.MultiformatException;
import io.rhizome.transport.libp2p.internal.multiformats.PeerId;

/**
 * libp2p mDNS peer discovery (libp2p/specs discovery/mdns.md): queries {@value #SERVICE} for PTR
 * records, answers such queries with a PTR to our random peer name plus TXT records
 * {@code dnsaddr=<multiaddr>/p2p/<id>}, and reports peers found in others' answers. Own minimal DNS
 * codec ({@link DnsMessage}) over a JDK multicast socket on 224.0.0.251:5353.
 *
 * <p>The protocol logic ({@link #queryPacket}, {@link #answer}, {@link #discovered}) is socket-free so
 * it can be tested without multicast. Discovery only reports peers: whether to connect (paired
 * devices only) is the caller's decision.
 */
public final class MdnsPeerDiscovery implements AutoCloseable {

    public static final String SERVICE = "_p2p._udp.local";
    public static final String DNSADDR = "dnsaddr=";
    public static final InetSocketAddress GROUP = new InetSocketAddress("224.0.0.251", 5353);
    private static final long TTL_SECONDS = 120;
    private static final Logger LOG = LoggerFactory.getLogger(MdnsPeerDiscovery.class);

    /** A peer seen on the LAN with the addresses it announced. */
    public record DiscoveredPeer(PeerId peer, List<Multiaddr> addresses) {
    }

    private final PeerId self;
    private final Supplier<List<Multiaddr>> addresses;
    private final Consumer<DiscoveredPeer> listener;
    private final Duration interval;
    private final String peerName;
    private volatile MulticastSocket socket;
    private volatile Thread thread;
    private volatile boolean running;

    public MdnsPeerDiscovery(PeerId self, Supplier<List<Multiaddr>> addresses, Consumer<DiscoveredPeer> listener,
            Duration interval) {
        this.self = self;
        this.addresses = addresses;
        this.listener = listener;
        this.interval = interval;
        this.peerName = randomName();
    }

    public String peerName() {
        return peerName;
    }

    /** The PTR query for every libp2p peer. */
    public static byte[] queryPacket() {
        return new DnsMessage(0, false, List.of(new DnsMessage.Question(SERVICE, DnsMessage.TYPE_PTR, DnsMessage.CLASS_IN)),
                List.of(), List.of()).encode();
    }

    /** Our answer to {@code query}, if it asks for the libp2p service. */
    public Optional<byte[]> answer(DnsMessage query) {
        if (query.response()) {
            return Optional.empty();
        }
        boolean asked = query.questions().stream().anyMatch(q -> q.name().equalsIgnoreCase(SERVICE)
                && (q.type() == DnsMessage.TYPE_PTR || q.type() == 255));
        if (!asked) {
            return Optional.empty();
        }
        String instance = peerName + "." + SERVICE;
        List<DnsMessage.Record> txt = new ArrayList<>();
        for (Multiaddr a : addresses.get()) {
            String text = DNSADDR + a.withPeerId(self);
            if (text.length() <= 255) {
                txt.add(DnsMessage.Record.txt(instance, List.of(text), TTL_SECONDS));
            }
        }
        if (txt.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new DnsMessage(0, true, List.of(), List.of(DnsMessage.Record.ptr(SERVICE, instance, TTL_SECONDS)),
                txt).encode());
    }

    /** The peers announced in a response; ourselves and malformed addresses are left out. */
    public List<DiscoveredPeer> discovered(DnsMessage response) {
        if (!response.response()) {
            return List.of();
        }
        List<DnsMessage.Record> all = new ArrayList<>(response.answers());
        all.addAll(response.additionals());
        List<String> instances = new ArrayList<>();
        for (DnsMessage.Record r : all) {
            if (r.type() == DnsMessage.TYPE_PTR && r.name().equalsIgnoreCase(SERVICE)) {
                instances.add(DnsMessage.ptrTarget(r).toLowerCase());
            }
        }
        Map<PeerId, List<Multiaddr>> byPeer = new LinkedHashMap<>();
        for (DnsMessage.Record r : all) {
            if (r.type() != DnsMessage.TYPE_TXT || !instances.contains(r.name().toLowerCase())) {
                continue;
            }
            for (String s : r.txtStrings()) {
                if (!s.startsWith(DNSADDR)) {
                    continue;
                }
                try {
                    Multiaddr a = Multiaddr.parse(s.substring(DNSADDR.length()));
                    Optional<PeerId> p = a.peerId();
                    if (p.isPresent() && !p.get().equals(self)) {
                        byPeer.computeIfAbsent(p.get(), k -> new ArrayList<>()).add(a);
                    }
                } catch (MultiformatException e) {
                    LOG.debug("ignoring malformed mDNS dnsaddr '{}': {}", s, e.getMessage());
                }
            }
        }
        List<DiscoveredPeer> out = new ArrayList<>();
        byPeer.forEach((p, a) -> out.add(new DiscoveredPeer(p, List.copyOf(a))));
        return out;
    }

    /** Joins the mDNS group on every multicast-capable interface and starts querying and answering. */
    public synchronized void start() throws IOException {
        if (running) {
            return;
        }
        MulticastSocket s = new MulticastSocket(GROUP.getPort());
        s.setTimeToLive(255);
        s.setSoTimeout(250);
        int joined = 0;
        for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            try {
                if (nif.isUp() && nif.supportsMulticast()) {
                    s.joinGroup(GROUP, nif);
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
        socket = s;
        running = true;
        thread = new Thread(this::run, "rhizome-libp2p-mdns");
        thread.setDaemon(true);
        thread.start();
        LOG.info("mDNS discovery started as {}.{} on {} interface(s)", peerName, SERVICE, joined);
    }

    private void run() {
        byte[] buf = new byte[DnsMessage.MAX_PACKET];
        long nextQuery = 0;
        while (running) {
            try {
                if (System.nanoTime() >= nextQuery) {
                    send(queryPacket());
                    nextQuery = System.nanoTime() + interval.toNanos();
                }
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    socket.receive(p);
                } catch (SocketTimeoutException e) {
                    continue;
                }
                handle(buf, p.getLength());
            } catch (SocketException e) {
                if (running) {
                    LOG.warn("mDNS socket failed: {}", e.getMessage());
                }
                return;
            } catch (IOException | RuntimeException e) {
                LOG.debug("mDNS: {}", e.toString());
            }
        }
    }

    private void handle(byte[] packet, int length) throws IOException {
        DnsMessage m;
        try {
            m = DnsMessage.decode(packet, length);
        } catch (DnsMessage.DnsException e) {
            LOG.debug("ignoring malformed mDNS packet: {}", e.getMessage());
            return;
        }
        Optional<byte[]> reply = answer(m);
        if (reply.isPresent()) {
            send(reply.get());
        }
        for (DiscoveredPeer d : discovered(m)) {
            try {
                listener.accept(d);
            } catch (RuntimeException e) {
                LOG.warn("mDNS discovery listener failed for {}", d.peer(), e);
            }
        }
    }

    private void send(byte[] packet) throws IOException {
        socket.send(new DatagramPacket(packet, packet.length, GROUP));
    }

    @Override
    public synchronized void close() {
        running = false;
        MulticastSocket s = socket;
        if (s != null) {
            s.close();
        }
        Thread t = thread;
        if (t != null) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static String randomName() {
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        SecureRandom r = new SecureRandom();
        StringBuilder sb = new StringBuilder(32);
        for (int i = 0; i < 32; i++) {
            sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    static InetAddress group() {
        return GROUP.getAddress();
    }
}

package io.rhizome.transport.libp2p.internal.mdns;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
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
 * <p>Rendezvous (meeting a node by a short key, used by pairing) reuses the same shape under a
 * second service, {@value #RENDEZVOUS_SERVICE}: a node advertising key {@code K} answers queries for
 * the PTR of that service or the TXT of {@code K.}{@value #RENDEZVOUS_SERVICE} with a PTR to that
 * instance and its {@code dnsaddr=} TXT records; a node looking for {@code K} sends such a query
 * once a second until an answer for {@code K} arrives or it gives up. With a null query interval
 * the node does only rendezvous: it neither queries nor answers {@value #SERVICE}.
 *
 * <p>The protocol logic ({@link #queryPacket}, {@link #answer}, {@link #discovered}) is socket-free so
 * it can be tested without multicast; the socket and its thread are {@link MdnsSocket}'s. Discovery only reports peers: whether to connect (paired
 * devices only) is the caller's decision.
 */
public final class MdnsPeerDiscovery implements AutoCloseable {

    public static final String SERVICE = "_p2p._udp.local";
    public static final String RENDEZVOUS_SERVICE = "_rhizome-rv._udp.local";
    public static final String DNSADDR = "dnsaddr=";
    private static final java.util.regex.Pattern KEY = java.util.regex.Pattern.compile("[A-Za-z0-9-]{1,63}");
    private static final long RENDEZVOUS_QUERY_NANOS = 1_000_000_000L;
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
    private final Supplier<java.util.Set<String>> advertised;
    private final List<RendezvousFind> finds = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final String peerName;
    private volatile MdnsSocket socket;
    private volatile boolean running;
    /** When the next {@value #SERVICE} query is due; touched by the mDNS thread only. */
    private long nextQuery;

    public MdnsPeerDiscovery(PeerId self, Supplier<List<Multiaddr>> addresses, Consumer<DiscoveredPeer> listener,
            Duration interval) {
        this(self, addresses, listener, interval, java.util.Set::of);
    }

    /**
     * @param interval how often to query {@value #SERVICE}; null: no peer discovery, rendezvous only
     * @param advertised the rendezvous keys to answer for (read on every query)
     */
    public MdnsPeerDiscovery(PeerId self, Supplier<List<Multiaddr>> addresses, Consumer<DiscoveredPeer> listener,
            Duration interval, Supplier<java.util.Set<String>> advertised) {
        this.self = self;
        this.addresses = addresses;
        this.listener = listener;
        this.interval = interval;
        this.advertised = advertised;
        this.peerName = randomName();
    }

    /** Checks a rendezvous key: a single DNS label of letters, digits and '-'. */
    public static String checkKey(String key) {
        if (key == null || !KEY.matcher(key).matches()) {
            throw new IllegalArgumentException("rendezvous key must be 1 to 63 letters, digits or '-': " + key);
        }
        return key;
    }

    /** The rendezvous query for {@code key}: the PTR of the service and the TXT of the key's instance. */
    public static byte[] rendezvousQuery(String key) {
        return new DnsMessage(0, false, List.of(
                new DnsMessage.Question(RENDEZVOUS_SERVICE, DnsMessage.TYPE_PTR, DnsMessage.CLASS_IN),
                new DnsMessage.Question(checkKey(key) + "." + RENDEZVOUS_SERVICE, DnsMessage.TYPE_TXT, DnsMessage.CLASS_IN)),
                List.of(), List.of()).encode();
    }

    /**
     * Our answer to a rendezvous query, if we advertise a key it asks for: a query naming key
     * instances gets only those; a bare browse of the service gets every key we advertise.
     */
    public Optional<byte[]> answerRendezvous(DnsMessage query) {
        if (query.response()) {
            return Optional.empty();
        }
        java.util.Set<String> keys = new java.util.TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        keys.addAll(advertised.get());
        if (keys.isEmpty()) {
            return Optional.empty();
        }
        String suffix = "." + RENDEZVOUS_SERVICE;
        List<String> asked = new ArrayList<>();
        boolean browse = false;
        for (DnsMessage.Question q : query.questions()) {
            String name = q.name();
            if (name.equalsIgnoreCase(RENDEZVOUS_SERVICE) && (q.type() == DnsMessage.TYPE_PTR || q.type() == 255)) {
                browse = true;
            } else if (name.length() > suffix.length() && name.regionMatches(true, name.length() - suffix.length(), suffix, 0,
                    suffix.length()) && (q.type() == DnsMessage.TYPE_TXT || q.type() == 255)) {
                String key = name.substring(0, name.length() - suffix.length());
                if (keys.contains(key)) {
                    asked.add(key);
                }
            }
        }
        if (asked.isEmpty() && browse && query.questions().size() == 1) {
            asked.addAll(keys);
        }
        if (asked.isEmpty()) {
            return Optional.empty();
        }
        List<DnsMessage.Record> ptrs = new ArrayList<>();
        List<DnsMessage.Record> txt = new ArrayList<>();
        for (String key : asked) {
            String instance = key + suffix;
            ptrs.add(DnsMessage.Record.ptr(RENDEZVOUS_SERVICE, instance, TTL_SECONDS));
            txt.addAll(dnsaddrRecords(instance));
        }
        if (txt.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new DnsMessage(0, true, List.of(), ptrs, txt).encode());
    }

    /** The addresses a response gives for rendezvous {@code key}, other than ours. */
    public List<Multiaddr> rendezvousFound(DnsMessage response, String key) {
        if (!response.response()) {
            return List.of();
        }
        String instance = key + "." + RENDEZVOUS_SERVICE;
        List<DnsMessage.Record> all = new ArrayList<>(response.answers());
        all.addAll(response.additionals());
        List<Multiaddr> out = new ArrayList<>();
        for (DnsMessage.Record r : all) {
            if (r.type() == DnsMessage.TYPE_TXT && r.name().equalsIgnoreCase(instance)) {
                for (String s : r.txtStrings()) {
                    dnsaddr(s).filter(a -> a.peerId().isPresent() && !a.peerId().get().equals(self)).ifPresent(out::add);
                }
            }
        }
        return out;
    }

    /**
     * Looks for a node advertising {@code key}: completes with its addresses (those on the
     * interface its answer came from first) when one answers, or with an empty list after
     * {@code timeout} or when this discovery closes.
     */
    public CompletableFuture<List<Multiaddr>> find(String key, Duration timeout) {
        RendezvousFind f = new RendezvousFind(checkKey(key), System.nanoTime() + timeout.toNanos());
        if (!running) {
            f.result.complete(List.of());
            return f.result;
        }
        finds.add(f);
        f.result.whenComplete((r, e) -> finds.remove(f));
        // bounded even if the mDNS thread stops early (socket failure)
        f.result.completeOnTimeout(List.of(), timeout.toMillis() + 1000, java.util.concurrent.TimeUnit.MILLISECONDS);
        // the first query goes out from the mDNS thread at once; later ones once a second
        return f.result;
    }

    private static Optional<Multiaddr> dnsaddr(String txt) {
        if (!txt.startsWith(DNSADDR)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Multiaddr.parse(txt.substring(DNSADDR.length())));
        } catch (MultiformatException e) {
            LOG.debug("ignoring malformed mDNS dnsaddr '{}': {}", txt, e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * {@code addresses} with those whose IP is {@code source} (where the mDNS packet came from, so
     * reachable from here) first; the others keep their order.
     */
    public static List<Multiaddr> preferSource(List<Multiaddr> addresses, InetAddress source) {
        List<Multiaddr> first = new ArrayList<>();
        List<Multiaddr> rest = new ArrayList<>();
        byte[] src = source == null ? null : source.getAddress();
        for (Multiaddr a : addresses) {
            List<Multiaddr.Component> cs = a.components();
            boolean match = src != null && !cs.isEmpty() && (cs.get(0).protocol() == Multiaddr.Protocol.IP4
                    || cs.get(0).protocol() == Multiaddr.Protocol.IP6) && java.util.Arrays.equals(cs.get(0).value(), src);
            (match ? first : rest).add(a);
        }
        first.addAll(rest);
        return first;
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
        if (query.response() || interval == null) {
            return Optional.empty();
        }
        boolean asked = query.questions().stream().anyMatch(q -> q.name().equalsIgnoreCase(SERVICE)
                && (q.type() == DnsMessage.TYPE_PTR || q.type() == 255));
        if (!asked) {
            return Optional.empty();
        }
        String instance = peerName + "." + SERVICE;
        List<DnsMessage.Record> txt = dnsaddrRecords(instance);
        if (txt.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new DnsMessage(0, true, List.of(), List.of(DnsMessage.Record.ptr(SERVICE, instance, TTL_SECONDS)),
                txt).encode());
    }

    /** The peers announced in a response; ourselves and malformed addresses are left out. */
    public List<DiscoveredPeer> discovered(DnsMessage response) {
        if (!response.response() || interval == null) {
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
        MdnsSocket s = MdnsSocket.open(new MdnsSocket.Handler() {
            @Override
            public void tick(long now) throws IOException {
                sendDue(now);
            }

            @Override
            public void received(DnsMessage message, InetAddress source) throws IOException {
                handle(message, source);
            }

            @Override
            public void failed() {
                running = false;
                finds.forEach(f -> f.result.complete(List.of()));
            }
        });
        socket = s;
        running = true;
        s.start();
        if (interval != null) {
            LOG.info("mDNS discovery started as {}.{} on {} interface(s)", peerName, SERVICE, s.interfaces());
        } else {
            LOG.info("mDNS started for rendezvous only ({}) on {} interface(s)", RENDEZVOUS_SERVICE, s.interfaces());
        }
    }

    /** Sends the queries that are due: ours for {@value #SERVICE}, and one per pending rendezvous lookup. */
    private void sendDue(long now) throws IOException {
        if (interval != null && now >= nextQuery) {
            socket.send(queryPacket());
            nextQuery = now + interval.toNanos();
        }
        for (RendezvousFind f : finds) {
            if (now - f.deadline >= 0) {
                f.result.complete(List.of());
            } else if (now - f.nextQuery >= 0) {
                f.nextQuery = now + RENDEZVOUS_QUERY_NANOS;
                socket.send(rendezvousQuery(f.key));
            }
        }
    }

    private void handle(DnsMessage m, InetAddress source) throws IOException {
        Optional<byte[]> reply = answer(m);
        if (reply.isPresent()) {
            socket.send(reply.get());
        }
        Optional<byte[]> rendezvous = answerRendezvous(m);
        if (rendezvous.isPresent()) {
            socket.send(rendezvous.get());
        }
        for (RendezvousFind f : finds) {
            List<Multiaddr> found = rendezvousFound(m, f.key);
            if (!found.isEmpty()) {
                f.result.complete(preferSource(found, source));
            }
        }
        for (DiscoveredPeer d : discovered(m)) {
            d = new DiscoveredPeer(d.peer(), preferSource(d.addresses(), source));
            try {
                listener.accept(d);
            } catch (RuntimeException e) {
                LOG.warn("mDNS discovery listener failed for {}", d.peer(), e);
            }
        }
    }

    @Override
    public synchronized void close() {
        running = false;
        finds.forEach(f -> f.result.complete(List.of()));
        MdnsSocket s = socket;
        if (s != null) {
            s.close();
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

    /** One {@code dnsaddr=} TXT record per listen address of this node (those that fit a TXT string). */
    private List<DnsMessage.Record> dnsaddrRecords(String instance) {
        List<DnsMessage.Record> txt = new ArrayList<>();
        for (Multiaddr a : addresses.get()) {
            String text = DNSADDR + a.withPeerId(self);
            if (text.length() <= 255) {
                txt.add(DnsMessage.Record.txt(instance, List.of(text), TTL_SECONDS));
            }
        }
        return txt;
    }
}

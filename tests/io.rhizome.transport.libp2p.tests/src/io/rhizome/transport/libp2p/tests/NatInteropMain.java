package io.rhizome.transport.libp2p.tests;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.slf4j.LoggerFactory;

import io.rhizome.testsupport.Await;
import io.rhizome.transport.libp2p.internal.KeyServiceSigner;
import io.rhizome.transport.libp2p.internal.Libp2pConnection;
import io.rhizome.transport.libp2p.internal.Libp2pHost;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.multiformats.PeerId;
import io.rhizome.transport.libp2p.internal.relay.RelayAttachment;
import io.rhizome.transport.libp2p.internal.relay.RelayClient;

/**
 * One scenario of {@link HolePunchInteropTest}, run in a JVM inside the Rhizome namespace of a
 * {@link NatNet} (args: scenario, namespace tag): a Rhizome host on {@code [3fff::2]} with the NAT
 * traversal of a device ({@link RelayAttachment}: relay client, AutoNAT, DCUtR) against js-libp2p
 * peers (js/natpeer.mjs) that it starts in the other namespaces. Prints what it sees and "OK" at the
 * end; exit 0 on success, 1 with the reason otherwise. Every wait is bounded.
 */
public final class NatInteropMain {

    private static final Duration WAIT = Duration.ofSeconds(40);
    /** The DCUtR js peers listen on a port known in advance, the one they announce (alone in their namespace, it is free). */
    private static final int JS_PORT = 4001;
    private final String tag;
    private final List<JsPeer> peers = new ArrayList<>();
    private final List<Runnable> cleanup = new ArrayList<>();

    private NatInteropMain(String tag) {
        this.tag = tag;
    }

    public static void main(String[] args) throws Exception {
        ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(ch.qos.logback.classic.Level.INFO);
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.rhizome.transport.libp2p.internal")).setLevel(ch.qos.logback.classic.Level.DEBUG);
        NatInteropMain m = new NatInteropMain(args[1]);
        int exit = 1;
        try {
            switch (args[0]) {
                case "autonat-dropped" -> m.autonatServerThatDrops();
                case "autonat-server" -> m.autonatServer();
                case "autonat-server-other-ip" -> m.autonatServerRefusesAnotherIp();
                case "dcutr-rhizome-starts" -> m.dcutrRhizomeStarts();
                case "dcutr-js-starts" -> m.dcutrJsStarts();
                default -> throw new IllegalArgumentException("unknown scenario " + args[0]);
            }
            System.out.println("OK");
            exit = 0;
        } catch (Throwable t) {
            System.out.println("FAILED: " + t);
            t.printStackTrace(System.out);
            for (JsPeer p : m.peers) {
                System.out.println("js peer output:");
                p.lines.forEach(l -> System.out.println("  " + l));
            }
        } finally {
            m.close();
        }
        System.out.flush();
        System.exit(exit);
    }

    // ---- AutoNAT

    /**
     * A js AutoNAT server whose identify agent is not js-libp2p's default, so Rhizome (behind its
     * firewall) asks it: js-libp2p takes the Rhizome host's own connection for the "dial-back" and
     * closes it, without an answer. Reachability stays unknown (no answer is no verdict), and Rhizome
     * does not ask that peer again: its next connection stays open.
     */
    private void autonatServerThatDrops() throws Exception {
        JsPeer server = js("relay", "autonat-renamed", listen(NatNet.RELAY));
        Multiaddr serverAddr = listening(server);
        RelayAttachment nat = new RelayAttachment(List.of());
        Libp2pHost h = device(nat);
        Libp2pConnection first = h.dial(serverAddr).get(30, TimeUnit.SECONDS);
        String rz = h.peerId().toBase58();
        server.await("incoming request from " + rz, WAIT);
        String tried = server.await("error handling incoming autonat stream", WAIT);
        Await.until(WAIT, "js-libp2p closes the connection it was asked on", () -> !first.isOpen());
        check("unknown".equals(nat.reachability()), "no answer, no verdict: " + nat.reachability());
        Libp2pConnection second = h.dial(serverAddr).get(30, TimeUnit.SECONDS);
        second.identified().get(30, TimeUnit.SECONDS);
        check(List.of("js-echo:still here").equals(LpEcho.exchange(second, List.of("still here"))), "the second connection carries streams");
        check(second.isOpen(), "the second connection stays open");
        check(server.all("incoming request from " + rz).size() == 1, "Rhizome asked once: " + server.all("incoming request"));
        check("unknown".equals(nat.reachability()), "still no verdict: " + nat.reachability());
        System.out.println("js-libp2p dropped the request: " + JsPeer.field(tried, "msg") + "; asked once, reachability " + nat.reachability());
    }

    /**
     * A js AutoNAT client connects; the Rhizome host dials it back and js-libp2p verifies its address.
     * Rhizome does not ask the js node in turn (js-libp2p's default agent: its server cannot answer).
     */
    private void autonatServer() throws Exception {
        Libp2pHost h = device(new RelayAttachment(List.of()));
        JsPeer client = js("js", "autonat", listen(NatNet.JS), address(h).toString());
        String verified = client.await("\"event\":\"verified\"", WAIT);
        String jsListen = listening(client).withoutPeerId().toString();
        check(verified.contains(jsListen), "js-libp2p verified its listen address " + jsListen + ": " + verified);
        String response = client.await("autonat response from " + h.peerId().toBase58(), WAIT);
        check(response.contains(" is OK"), "the Rhizome server answered OK: " + response);
        check(client.all("incoming request from " + h.peerId().toBase58()).isEmpty(),
                "Rhizome did not ask the js-libp2p node (its server would close the connection): " + client.lines);
        check(h.connections().stream().anyMatch(c -> c.isOpen() && !c.isInitiator()), "the js client's connection stays open");
        System.out.println("js-libp2p verified " + jsListen + " through the Rhizome AutoNAT server: " + JsPeer.field(response, "msg"));
    }

    /**
     * A js AutoNAT client whose address is verified asks next about an address mapped to another host's
     * IP (as a router's port mapping would announce): the Rhizome server refuses it with E_DIAL_REFUSED
     * and never connects to that host.
     */
    private void autonatServerRefusesAnotherIp() throws Exception {
        JsPeer victim = js("other", "victim", listen(NatNet.OTHER));
        Multiaddr victimAddr = listening(victim);
        Libp2pHost h = device(new RelayAttachment(List.of()));
        String rz = h.peerId().toBase58();
        JsPeer client = js("js", "map", listen(NatNet.JS), address(h).toString(), NatNet.OTHER,
                Integer.toString(io.rhizome.transport.libp2p.internal.TcpAddresses.tcpPort(victimAddr)));
        client.await("\"event\":\"verified\"", WAIT);
        client.await("\"event\":\"mapped\"", WAIT);
        String refused = client.await("autonat response from " + rz + " for " + victimAddr, WAIT);
        check(refused.endsWith("is E_DIAL_REFUSED\"}"), "the Rhizome server refused the other host's address: " + refused);
        check(victim.all("victim-connection").isEmpty(), "the Rhizome server never connected to the other host: " + victim.lines);
        check(client.all("autonat response from " + rz).size() == 2, "two requests, two answers: " + client.all("autonat response"));
        System.out.println("refused: " + JsPeer.field(refused, "msg") + "; the other host got no connection");
    }

    // ---- DCUtR

    /**
     * Rhizome (behind its firewall) reserves on a js relay; a js peer dials it through the relay;
     * Rhizome received the relayed connection, so it starts DCUtR; js-libp2p is not a Rhizome node,
     * so Rhizome dials its addresses normally; the direct connection is hole-punched and carries streams.
     */
    private void dcutrRhizomeStarts() throws Exception {
        JsPeer relay = js("relay", "relay", listen(NatNet.RELAY));
        Multiaddr relayAddr = listening(relay);
        RelayAttachment nat = new RelayAttachment(List.of(relayAddr));
        LpEcho echo = new LpEcho();
        Libp2pHost b = device(nat, echo);
        Await.until(WAIT, "a reservation on the js relay", () -> !nat.circuitAddresses().isEmpty());
        Multiaddr circuit = RelayClient.circuit(relayAddr, b.peerId());
        JsPeer a = js("js", "dial", "/ip6/" + NatNet.JS + "/tcp/" + JS_PORT, circuit.toString());
        PeerId jsPeer = PeerId.parse(JsPeer.field(a.await("\"event\":\"listening\"", WAIT), "peerId"));
        a.await("\"event\":\"relayed\"", WAIT);
        Await.until(WAIT, "the route to the js peer is hole-punched (" + a.lines + ")",
                () -> "hole-punched".equals(RelayAttachment.routes(b).get(jsPeer.toBase58())));
        Await.until(WAIT, "the hole punch is counted", () -> nat.holePunches().get("succeeded") + nat.holePunches().get("failed") > 0);
        check(Map.of("succeeded", 1L, "failed", 0L).equals(nat.holePunches()), "one hole punch, started by Rhizome, succeeded: " + nat.holePunches());
        String route = RelayAttachment.routes(b).get(jsPeer.toBase58());
        String direct = a.await("\"event\":\"direct\"", WAIT);
        check(direct.contains("/ip6/" + NatNet.RHIZOME + "/tcp/"), "js-libp2p has the direct connection to the Rhizome host: " + direct);
        int listenPort = b.boundAddresses().get(0).getPort();
        check(!direct.contains("/tcp/" + listenPort + "/"), "Rhizome dialed the js peer normally, not from its listen port " + listenPort + ": " + direct);
        check(a.waitForExit(WAIT) == 0, "the js peer exchanged its messages: " + a.lines);
        check(List.of("rz-echo:direct 0", "rz-echo:direct 1", "rz-echo:direct 2")
                .equals(a.all("sync-reply").stream().map(l -> JsPeer.field(l, "text")).toList()), "echoes over the direct connection: " + a.lines);
        check(echo.connections.stream().noneMatch(Libp2pConnection::isRelayed), "the sync stream came over the direct connection");
        Await.until(WAIT, "the relayed connection closes", () -> b.connections().stream()
                .noneMatch(c -> c.isOpen() && c.isRelayed() && c.remotePeer().equals(jsPeer)));
        System.out.println("route " + route + ", hole punches " + nat.holePunches() + "; js: " + direct);
    }

    /**
     * A js peer reserves on a js relay; Rhizome (behind its firewall) dials it through the relay; js
     * received the relayed connection, so it starts: its unilateral upgrade (a direct dial to
     * Rhizome's identify addresses) is refused by the firewall, then DCUtR: on SYNC Rhizome dials the js
     * peer normally (not from its listen port: js-libp2p is not a Rhizome node); hole-punched.
     */
    private void dcutrJsStarts() throws Exception {
        JsPeer relay = js("relay", "relay", listen(NatNet.RELAY));
        Multiaddr relayAddr = listening(relay);
        JsPeer bJs = js("js", "listen", "/ip6/" + NatNet.JS + "/tcp/" + JS_PORT, relayAddr.toString());
        String reserved = bJs.await("\"event\":\"reserved\"", WAIT);
        Multiaddr circuit = Multiaddr.parse(reserved.replaceAll(".*\"addrs\":\\[\"([^\"]+)\".*", "$1"));
        PeerId jsPeer = PeerId.parse(JsPeer.field(reserved, "peerId"));
        RelayAttachment nat = new RelayAttachment(List.of());
        Libp2pHost a = device(nat);
        Libp2pConnection relayed = a.dial(circuit).get(30, TimeUnit.SECONDS);
        check(relayed.isRelayed(), "dialed through the js relay: " + relayed);
        Await.until(WAIT, "the route to the js peer is hole-punched (" + bJs.lines + ")",
                () -> "hole-punched".equals(RelayAttachment.routes(a).get(jsPeer.toBase58())));
        bJs.await("unilateral connection upgrade to " + a.peerId().toBase58() + " on addresses", WAIT);
        bJs.await("B sending connect to " + a.peerId().toBase58(), WAIT);
        Libp2pConnection direct = a.connectionTo(jsPeer).filter(c -> !c.isRelayed()).orElseThrow();
        check(direct.remoteAddress().toString().startsWith("/ip6/" + NatNet.JS + "/tcp/"), "direct to the js peer: " + direct.remoteAddress());
        int local = ((java.net.InetSocketAddress) direct.channel().localAddress()).getPort();
        check(direct.isInitiator() && local != a.boundAddresses().get(0).getPort(),
                "Rhizome dialed the js peer normally (as Noise initiator, not from its listen port): local port " + local);
        check(List.of("js-echo:one", "js-echo:two").equals(LpEcho.exchange(direct, List.of("one", "two"))), "a stream over the direct connection");
        Await.until(WAIT, "the relayed connection closes", () -> !relayed.isOpen());
        System.out.println("route " + RelayAttachment.routes(a).get(jsPeer.toBase58()) + " over " + direct.remoteAddress()
                + ", hole punches counted by the js side; Rhizome's " + nat.holePunches());
    }

    // ---- helpers

    private static String listen(String ip) {
        return "/ip6/" + ip + "/tcp/0";
    }

    /** The first listen address of a js peer's "listening" line, with its PeerId. */
    private static Multiaddr listening(JsPeer p) throws InterruptedException {
        String line = p.await("\"event\":\"listening\"", WAIT);
        Multiaddr a = Multiaddr.parse(line.replaceAll(".*\"addrs\":\\[\"([^\"]+)\".*", "$1"));
        return a.peerId().isPresent() || !line.contains("peerId") ? a : a.withPeerId(PeerId.parse(JsPeer.field(line, "peerId")));
    }

    private JsPeer js(String host, String mode, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(mode));
        all.addAll(List.of(args));
        JsPeer p = JsPeer.startInNamespace(tag + host, "natpeer.mjs", all.toArray(String[]::new));
        peers.add(p);
        return p;
    }

    private Libp2pHost device(RelayAttachment nat) throws Exception {
        return device(nat, new LpEcho());
    }

    private Libp2pHost device(RelayAttachment nat, LpEcho echo) throws Exception {
        Libp2pHost h = new Libp2pHost(new KeyServiceSigner(TestKeys.random()),
                Nodes.config().withListenAddresses(List.of(Multiaddr.parse(listen(NatNet.RHIZOME)))));
        nat.attach(h);
        h.register(LpEcho.SYNC, echo);
        h.start();
        cleanup.add(() -> {
            nat.detach();
            h.stop();
        });
        return h;
    }

    private static Multiaddr address(Libp2pHost h) {
        return h.listenAddresses().get(0).withPeerId(h.peerId());
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    private void close() {
        for (JsPeer p : peers) {
            try {
                p.close();
            } catch (Exception e) {
                System.out.println("closing a js peer: " + e);
            }
        }
        cleanup.forEach(Runnable::run);
    }
}

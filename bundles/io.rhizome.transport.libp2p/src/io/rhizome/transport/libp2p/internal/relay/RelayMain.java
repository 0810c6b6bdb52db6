package io.rhizome.transport.libp2p.internal.relay;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

import io.rhizome.transport.libp2p.internal.InboundLimits;
import io.rhizome.transport.libp2p.internal.Libp2pConfig;
import io.rhizome.transport.libp2p.internal.Libp2pHost;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;

/**
 * {@code rhizome relay}: a node that only relays. It runs a libp2p host with the circuit relay v2
 * hop service and nothing else: no store, no device or mesh keys (only its libp2p identity, see
 * {@link FileIdentity}), no REST API, no OSGi framework. Usage: {@code RelayMain HOME}; the home's
 * rhizome.properties holds the {@link RelayNodeSettings}. Once listening it writes relay.json
 * (peer id and addresses) into the home and prints the relay addresses; SIGTERM stops it.
 *
 * <p>Exit codes: 0 stopped, 2 bad configuration, 1 cannot start (port taken, unreadable identity).
 */
public final class RelayMain {

    private RelayMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: RelayMain HOME");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        Files.createDirectories(home);
        Path config = home.resolve("rhizome.properties");
        RelayNodeSettings settings;
        try {
            settings = RelayNodeSettings.parse(load(config));
        } catch (IllegalArgumentException e) {
            System.err.println("rhizome relay: " + config + ": " + e.getMessage());
            System.exit(2);
            return;
        }
        Libp2pHost host;
        RelayService relay;
        try {
            FileIdentity identity = FileIdentity.loadOrCreate(home.resolve(FileIdentity.FILE_NAME));
            Libp2pConfig c = Libp2pConfig.loopback("rhizome-relay/0.1").withListenAddresses(settings.listen());
            // no peer is a trusted device of a relay: everyone gets the limits of a stranger
            host = new Libp2pHost(identity, c, peer -> false, InboundLimits.defaults());
            relay = RelayService.install(host, identity, settings.limits());
            // a public relay is the natural AutoNAT server of the devices behind NATs that use it
            io.rhizome.transport.libp2p.internal.autonat.AutoNatService.install(host, false);
            host.start();
        } catch (IOException e) {
            System.err.println("rhizome relay: cannot start: " + e.getMessage());
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Libp2pHost h = host;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            h.stop();
            stopped.countDown();
        }, "rhizome-relay-stop"));
        List<Multiaddr> addrs = host.listenAddresses();
        writeInfo(home, info(host, addrs, relay));
        System.out.println("rhizome relay " + host.peerId() + " relaying with " + settings.limits());
        addrs.forEach(a -> System.out.println("  " + a));
        // what `rhizome relay status` shows: relay.json again every 2 s when a count changed
        String last = info(host, addrs, relay);
        while (!stopped.await(2, java.util.concurrent.TimeUnit.SECONDS)) {
            String now = info(host, addrs, relay);
            if (!now.equals(last)) {
                try {
                    writeInfo(home, now);
                    last = now;
                } catch (IOException e) {
                    System.err.println("rhizome relay: cannot write relay.json: " + e.getMessage());
                }
            }
        }
    }

    private static Properties load(Path config) throws IOException {
        Properties p = new Properties();
        if (Files.exists(config)) {
            try (Reader r = Files.newBufferedReader(config, StandardCharsets.UTF_8)) {
                p.load(r);
            }
        }
        return p;
    }

    /**
     * relay.json: {@code peerId}, {@code addresses}, {@code reservations} and {@code circuits} held
     * now, {@code refusedReservations} since start, and the {@code limits}.
     */
    static String info(Libp2pHost host, List<Multiaddr> addrs, RelayService relay) {
        RelayLimits l = relay.limits();
        return "{\"peerId\":\"" + host.peerId() + "\",\"addresses\":["
                + addrs.stream().map(a -> "\"" + a + "\"").collect(Collectors.joining(",")) + "]"
                + ",\"reservations\":" + relay.reservations() + ",\"circuits\":" + relay.circuits()
                + ",\"refusedReservations\":" + relay.refusedReservations()
                + ",\"limits\":{\"maxReservations\":" + l.maxReservations() + ",\"reservationTtlSeconds\":" + l.reservationTtl().toSeconds()
                + ",\"maxCircuits\":" + l.maxCircuits() + ",\"maxCircuitsPerPeer\":" + l.maxCircuitsPerPeer()
                + ",\"circuitDurationSeconds\":" + l.circuitDuration().toSeconds() + ",\"circuitDataBytes\":" + l.circuitDataBytes() + "}}\n";
    }

    private static void writeInfo(Path home, String json) throws IOException {
        Path tmp = home.resolve("relay.json.tmp");
        Files.writeString(tmp, json);
        Files.move(tmp, home.resolve("relay.json"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}

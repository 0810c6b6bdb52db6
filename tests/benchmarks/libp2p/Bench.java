import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.rhizome.transport.libp2p.internal.Libp2pConfig;
import io.rhizome.transport.libp2p.internal.Libp2pConnection;
import io.rhizome.transport.libp2p.internal.Libp2pHost;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;
import io.rhizome.transport.libp2p.internal.noise.IdentitySigner;
import io.rhizome.transport.libp2p.internal.relay.RelayClient;
import io.rhizome.transport.libp2p.internal.relay.RelayLimits;
import io.rhizome.transport.libp2p.internal.relay.RelayService;
import io.rhizome.transport.libp2p.internal.yamux.StreamHandler;
import io.rhizome.transport.libp2p.internal.yamux.YamuxStream;

/**
 * Loopback benchmark of the Rhizome libp2p stack against js-libp2p, in one run: stream throughput
 * (Rhizome→Rhizome, js→js, Rhizome→js, js→Rhizome) and connection handshake time (TCP + Noise XX +
 * Yamux). Run through run.sh.
 */
public class Bench {

    static final String BENCH = "/rhizome/bench/1.0.0";
    static final int CHUNK = 64 * 1024;

    record Signer(Ed25519PrivateKeyParameters key) implements IdentitySigner {
        static Signer random() {
            return new Signer(new Ed25519PrivateKeyParameters(new SecureRandom()));
        }

        public byte[] publicKey() {
            return key.generatePublicKey().getEncoded();
        }

        public byte[] sign(byte[] data) {
            Ed25519Signer s = new Ed25519Signer();
            s.init(true, key);
            s.update(data, 0, data.length);
            return s.generateSignature();
        }
    }

    public static void main(String[] args) throws Exception {
        int mib = Integer.parseInt(System.getProperty("bench.mib", "256"));
        int rounds = Integer.parseInt(System.getProperty("bench.rounds", "3"));
        int dials = Integer.parseInt(System.getProperty("bench.dials", "200"));
        File js = new File(System.getProperty("bench.js"));

        Libp2pHost sink = host();
        sink.start();
        Multiaddr sinkAddr = sink.listenAddresses().get(0);
        Libp2pHost source = host();
        source.start();

        // warm-up: JIT
        Libp2pConnection warm = source.dial(sinkAddr).get(10, TimeUnit.SECONDS);
        send(warm, 64L << 20);
        warm.close();

        List<Double> rz = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            Libp2pConnection c = source.dial(sinkAddr).get(10, TimeUnit.SECONDS);
            rz.add(send(c, (long) mib << 20));
            c.close();
        }

        List<Double> relayed = relayed(mib, rounds);
        double[] hs = handshakes(source, sinkAddr, dials);
        if (Boolean.getBoolean("bench.rhizomeOnly")) {
            System.out.printf("Rhizome -> Rhizome %s MiB/s; relayed %s MiB/s (relayed / direct %.2f x); handshake p50 %.2f ms p99 %.2f ms%n",
                    fmt(rz), fmt(relayed), best(relayed) / best(rz), hs[0], hs[1]);
            source.stop();
            sink.stop();
            return;
        }

        List<Double> jsjs = new ArrayList<>();
        List<Double> rzjs = new ArrayList<>();
        List<Double> jsrz = new ArrayList<>();
        ProcessBuilder sinkBuilder = new ProcessBuilder("node", "peer.mjs", "bench-listen").directory(js)
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        // the js peer's own safety timeout must outlast every run on a slow machine
        sinkBuilder.environment().put("PEER_TIMEOUT_MS", "1800000");
        Process jsSink = sinkBuilder.start();
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(jsSink.getInputStream(), StandardCharsets.UTF_8));
            String line = r.readLine();
            Matcher m = Pattern.compile("\"addrs\":\\[\"([^\"]+)\"").matcher(line);
            if (!m.find()) {
                throw new IllegalStateException("js peer did not report its address: " + line);
            }
            Multiaddr jsAddr = Multiaddr.parse(m.group(1));
            for (int i = 0; i < rounds; i++) {
                jsjs.add(jsDial(js, jsAddr.toString(), mib));
                Libp2pConnection c = source.dial(jsAddr).get(10, TimeUnit.SECONDS);
                rzjs.add(send(c, (long) mib << 20));
                c.close();
                jsrz.add(jsDial(js, sinkAddr.toString(), mib));
            }
        } finally {
            jsSink.getOutputStream().close();
            jsSink.destroy();
            jsSink.waitFor(5, TimeUnit.SECONDS);
        }
        source.stop();
        sink.stop();

        System.out.println();
        System.out.println("libp2p loopback benchmark (" + mib + " MiB per run, " + rounds + " runs, best shown; TCP + Noise + Yamux)");
        System.out.printf("  Rhizome -> Rhizome : %8.1f MiB/s   runs %s%n", best(rz), fmt(rz));
        System.out.printf("  js      -> js      : %8.1f MiB/s   runs %s%n", best(jsjs), fmt(jsjs));
        System.out.printf("  Rhizome -> js      : %8.1f MiB/s   runs %s%n", best(rzjs), fmt(rzjs));
        System.out.printf("  js      -> Rhizome : %8.1f MiB/s   runs %s%n", best(jsrz), fmt(jsrz));
        System.out.printf("  Rhizome / js ratio : %8.2f x  (target >= 2)%n", best(rz) / best(jsjs));
        System.out.printf("  Rhizome -> relay -> Rhizome (circuit relay v2, a Rhizome relay, no limits): %8.1f MiB/s   runs %s; relayed / direct %.2f x%n",
                best(relayed), fmt(relayed), best(relayed) / best(rz));
        System.out.printf("  handshake (TCP connect + multistream + Noise XX + Yamux), %d dials: p50 %.2f ms, p99 %.2f ms%n",
                dials, hs[0], hs[1]);
    }

    /**
     * The same stream through a relay on loopback: the sink reserves on a Rhizome relay (no limits),
     * the source dials its /p2p-circuit address. The relay decrypts and re-encrypts each hop's Noise
     * session and splices the Yamux streams; the two ends' own Noise session runs inside.
     */
    static List<Double> relayed(int mib, int rounds) throws Exception {
        Signer relayKey = Signer.random();
        Libp2pHost relay = new Libp2pHost(relayKey, Libp2pConfig.loopback("rhizome/bench-relay"));
        RelayService.install(relay, relayKey, new RelayLimits(16, java.time.Duration.ofHours(1), 16, 16, java.time.Duration.ZERO, 0));
        relay.start();
        Libp2pHost sink = host();
        RelayClient sinkClient = RelayClient.install(sink);
        sink.start();
        Libp2pHost source = host();
        RelayClient.install(source);
        source.start();
        try {
            RelayClient.Granted g = sinkClient.reserve(relay.listenAddresses().get(0)).get(10, TimeUnit.SECONDS);
            Multiaddr circuit = g.circuitAddress(sink.peerId());
            Libp2pConnection warm = source.dial(circuit).get(10, TimeUnit.SECONDS);
            send(warm, 64L << 20);
            warm.close();
            List<Double> runs = new ArrayList<>();
            for (int i = 0; i < rounds; i++) {
                Libp2pConnection c = source.dial(circuit).get(10, TimeUnit.SECONDS);
                if (!c.isRelayed()) {
                    throw new IllegalStateException("the connection to " + circuit + " is not relayed");
                }
                runs.add(send(c, (long) mib << 20));
                c.close();
            }
            return runs;
        } finally {
            source.stop();
            sink.stop();
            relay.stop();
        }
    }

    static Libp2pHost host() {
        Libp2pHost h = new Libp2pHost(Signer.random(), Libp2pConfig.loopback("rhizome/bench"));
        h.register(BENCH, (connection, stream) -> new StreamHandler() {
            public void onData(YamuxStream s, ByteBuf data) {
            }

            public void onRemoteClose(YamuxStream s) {
                s.write(Unpooled.wrappedBuffer("ok".getBytes(StandardCharsets.US_ASCII)));
                s.closeWrite();
            }
        });
        return h;
    }

    /** Sends {@code total} bytes on a bench stream; MiB/s until the sink acknowledged everything. */
    static double send(Libp2pConnection c, long total) throws Exception {
        CompletableFuture<Void> ack = new CompletableFuture<>();
        YamuxStream s = c.newStream(BENCH, new StreamHandler() {
            public void onData(YamuxStream st, ByteBuf data) {
                ack.complete(null);
            }

            public void onClose(YamuxStream st, Throwable cause) {
                ack.complete(null);
            }
        }).get(10, TimeUnit.SECONDS);
        byte[] chunk = new byte[CHUNK];
        Arrays.fill(chunk, (byte) 7);
        Semaphore inFlight = new Semaphore(64);
        long start = System.nanoTime();
        for (long sent = 0; sent < total; sent += CHUNK) {
            inFlight.acquire();
            s.write(Unpooled.wrappedBuffer(chunk)).whenComplete((v, e) -> inFlight.release());
        }
        s.closeWrite();
        ack.get(120, TimeUnit.SECONDS);
        return total / 1048576.0 / ((System.nanoTime() - start) / 1e9);
    }

    static double[] handshakes(Libp2pHost source, Multiaddr target, int n) throws Exception {
        for (int i = 0; i < 50; i++) {
            source.dial(target).get(10, TimeUnit.SECONDS).close();
        }
        double[] ms = new double[n];
        for (int i = 0; i < n; i++) {
            long t = System.nanoTime();
            Libp2pConnection c = source.dial(target).get(10, TimeUnit.SECONDS);
            ms[i] = (System.nanoTime() - t) / 1e6;
            c.close();
        }
        Arrays.sort(ms);
        return new double[] {ms[n / 2], ms[Math.min(n - 1, (int) Math.ceil(n * 0.99) - 1)]};
    }

    static double jsDial(File js, String addr, int mib) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("node", "peer.mjs", "bench-dial", addr, Integer.toString(mib)).directory(js)
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("PEER_TIMEOUT_MS", "600000");
        Process p = pb.start();
        String result = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.contains("\"event\":\"bench\"")) {
                    result = line;
                }
            }
        }
        if (!p.waitFor(120, TimeUnit.SECONDS) || result == null) {
            p.destroy();
            throw new IllegalStateException("js bench-dial to " + addr + " failed");
        }
        Matcher m = Pattern.compile("\"mibPerSecond\":([0-9.eE+-]+)").matcher(result);
        m.find();
        return Double.parseDouble(m.group(1));
    }

    static double best(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).max().orElse(0);
    }

    static String fmt(List<Double> v) {
        return v.stream().map(d -> String.format("%.1f", d)).toList().toString();
    }
}

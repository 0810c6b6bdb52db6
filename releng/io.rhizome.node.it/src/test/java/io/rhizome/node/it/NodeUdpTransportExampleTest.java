package io.rhizome.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The example third-party transport ({@code examples/transport-udp}, built outside this reactor
 * against the p2 site) in two running daemons, installed and uninstalled with
 * {@code rhizome plugins install / uninstall} and never a restart: pairing carries its addresses
 * (it serves protocol channels), it carries the sync once libp2p is stopped, a write made while it
 * was uninstalled waits in the outbox and flows once it is installed again, and the nodes run on
 * without it, nothing lost.
 *
 * <p>The jar is the example's build output, named by the system property
 * {@value #JAR_PROPERTY}; {@code examples/build.sh} (run by CI after the main build) builds the
 * example and then runs this class with it. The main build does not build the example, so the
 * default test run leaves this class out (see this module's pom).
 */
class NodeUdpTransportExampleTest {

    static final String JAR_PROPERTY = "rhizome.example.udp.jar";
    private static final String BUNDLE = "com.example.rhizome.transport.udp";
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    private static Path exampleJar() {
        String path = System.getProperty(JAR_PROPERTY, "");
        Path jar = Path.of(path);
        assertTrue(!path.isEmpty() && Files.isRegularFile(jar), "-D" + JAR_PROPERTY + " must name the example's jar (got '" + path
                + "'): run examples/build.sh, which builds examples/transport-udp against the p2 site and then this test");
        return jar;
    }

    private static int freeUdpPort() throws Exception {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static Path home(Path tmp, String name) throws Exception {
        Path home = NodeProcess.loopbackHome(tmp, name);
        Files.writeString(home.resolve("rhizome.properties"), "udp.listen=127.0.0.1:" + freeUdpPort() + "\n", StandardOpenOption.APPEND);
        return home;
    }

    private static NodeProcess.CliResult cli(Path home, String... args) throws Exception {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--home";
        all[args.length + 1] = home.toString();
        return NodeProcess.cli(all);
    }

    private static final long T0 = System.nanoTime();

    /** How far the test is, on standard error (the surefire report keeps it): where the time goes. */
    private static void phase(String what) {
        System.err.printf("[NodeUdpTransportExampleTest] %6.1f s  %s%n", (System.nanoTime() - T0) / 1e9, what);
    }

    private static void ok(NodeProcess.CliResult r) {
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
    }

    private static void await(String what, ThrowingCheck check) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (check.get()) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(what + ": not within " + WAIT);
    }

    interface ThrowingCheck {
        boolean get() throws Exception;
    }

    private static boolean udpActive(Path home) throws Exception {
        return transportActive(home, BUNDLE, "udp");
    }

    private static boolean transportActive(Path home, String bundle, String kind) throws Exception {
        for (JsonNode p : NodeProcess.json(cli(home, "plugins", "--json")).path("plugins")) {
            if (p.path("bundle").asText().equals(bundle) && p.path("name").asText().equals(kind) && p.path("active").asBoolean()) {
                return true;
            }
        }
        return false;
    }

    /** The peer entry of the only paired device. */
    private static JsonNode peer(Path home) throws Exception {
        JsonNode peers = NodeProcess.json(cli(home, "peers", "--json")).path("peers");
        assertEquals(1, peers.size(), peers.toString());
        return peers.get(0);
    }

    private static boolean connectedOver(Path home, String transport) throws Exception {
        JsonNode p = peer(home);
        return p.path("connected").asBoolean() && transport.equals(p.path("transport").asText());
    }

    private static Set<String> keys(Path home) throws Exception {
        Set<String> out = new TreeSet<>();
        NodeProcess.json(cli(home, "ls", "notes", "--json")).path("keys").forEach(k -> out.add(k.asText()));
        return out;
    }

    /** B joins A's mesh over libp2p (the invitation lists the udp address too). */
    private static void pair(Path a, Path b) throws Exception {
        JsonNode invitation = NodeProcess.json(cli(a, "pair", "--no-wait", "--json"));
        String libp2p = null;
        boolean udpListed = false;
        for (JsonNode addr : invitation.path("addresses")) {
            libp2p = addr.asText().startsWith("/ip4/") ? addr.asText() : libp2p;
            udpListed |= addr.asText().matches("127\\.0\\.0\\.1:\\d+");
        }
        assertTrue(libp2p != null && udpListed, "the invitation lists a libp2p and a udp address: " + invitation.path("addresses"));
        ok(cli(b, "join", invitation.path("code").asText(), "--addr", libp2p));
    }

    /** Stops the libp2p bundle through the daemon's Gogo console (the node's own bundles cannot be uninstalled). */
    private static void stopLibp2p(NodeProcess node) throws Exception {
        OutputStream console = node.process.getOutputStream();
        console.write("lb io.rhizome.transport.libp2p\n".getBytes(StandardCharsets.UTF_8));
        console.flush();
        Pattern row = Pattern.compile("(?m)^\\s*(\\d+)\\|Active\\s*\\|\\s*\\d+\\|Rhizome libp2p Transport");
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            Matcher m = row.matcher(node.output());
            if (m.find()) {
                console.write(("stop " + m.group(1) + "\n").getBytes(StandardCharsets.UTF_8));
                console.flush();
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the console did not list the libp2p bundle:\n" + node.output());
            }
            Thread.sleep(200);
        }
    }

    @Test
    void theExampleTransportInstalledIntoRunningNodesCarriesQueuedWritesAndUninstallsWithNothingLost() throws Exception {
        Path jar = exampleJar();
        Path a = home(tmp, "a");
        Path b = home(tmp, "b");
        phase("start");
        try (NodeProcess na = NodeProcess.start(a, "--console"); NodeProcess nb = NodeProcess.start(b, "--console")) {
            na.awaitReady(); // both start at once: a daemon's start is most of this test's time
            nb.awaitReady();
            phase("both daemons ready");
            for (Path h : new Path[] { a, b }) {
                NodeProcess.CliResult installed = cli(h, "plugins", "install", jar.toString());
                ok(installed);
                assertTrue(installed.stdout().startsWith(BUNDLE + " 1.0.0"), installed.stdout());
                await("the udp transport is active on " + h.getFileName(), () -> udpActive(h));
            }
            phase("udp active on both");
            pair(a, b);
            phase("paired");
            ok(cli(a, "put", "notes", "k1", "\"over libp2p\""));
            NodeProcess.awaitValue(b, "notes", "k1", "\"over libp2p\"", WAIT);

            // libp2p goes away on both: the engine dials the udp addresses pairing carried.
            assertTrue(transportActive(a, "io.rhizome.transport.libp2p", "libp2p"), "libp2p runs on A before it is stopped");
            stopLibp2p(na);
            stopLibp2p(nb);
            await("neither node runs libp2p", () -> !transportActive(a, "io.rhizome.transport.libp2p", "libp2p")
                    && !transportActive(b, "io.rhizome.transport.libp2p", "libp2p"));
            phase("libp2p stopped on both");
            await("A is connected to B over udp", () -> connectedOver(a, "udp"));
            phase("connected over udp");
            ok(cli(a, "put", "notes", "k2", "\"over udp\""));
            ok(cli(b, "put", "notes", "r2", "\"back over udp\""));
            NodeProcess.awaitValue(b, "notes", "k2", "\"over udp\"", WAIT);
            NodeProcess.awaitValue(a, "notes", "r2", "\"back over udp\"", WAIT);

            phase("writes crossed over udp");
            // Uninstalled from A: no transport reaches B; a write waits in A's outbox, visibly.
            NodeProcess.CliResult removed = cli(a, "plugins", "uninstall", BUNDLE);
            ok(removed);
            assertTrue(removed.stdout().startsWith(BUNDLE + " 1.0.0") && removed.stdout().contains("uninstalled"), removed.stdout());
            await("A drops the udp transport", () -> !udpActive(a));
            await("A sees B disconnected", () -> !peer(a).path("connected").asBoolean());
            phase("uninstalled from A, B disconnected");
            ok(cli(a, "put", "notes", "k3", "\"queued while udp was gone\""));
            await("A counts the write as pending for B", () -> peer(a).path("pendingEvents").asLong() >= 1);
            assertNotEquals(0, cli(b, "get", "notes", "k3").exitCode(), "B cannot have k3 yet: nothing reaches it");
            ok(cli(a, "status"));

            // Installed again, with no restart: the queued write flows over it.
            phase("k3 pending on A");
            ok(cli(a, "plugins", "install", jar.toString()));
            NodeProcess.awaitValue(b, "notes", "k3", "\"queued while udp was gone\"", WAIT);
            await("A has nothing pending for B", () -> peer(a).path("pendingEvents").asLong() == 0);

            phase("queued write arrived");
            // Uninstalled from both: the nodes run on, and hold everything either wrote.
            ok(cli(a, "plugins", "uninstall", BUNDLE));
            ok(cli(b, "plugins", "uninstall", BUNDLE));
            await("neither node lists the udp transport", () -> !udpActive(a) && !udpActive(b));
            ok(cli(a, "status"));
            ok(cli(b, "status"));
            assertEquals(Set.of("k1", "k2", "k3", "r2"), keys(a));
            assertEquals(Set.of("k1", "k2", "k3", "r2"), keys(b));
            assertTrue(na.process.isAlive() && nb.process.isAlive(), "both daemons still run");
            phase("done");
        }
    }
}

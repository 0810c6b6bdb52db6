package io.rhizome.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's libp2p transport: configured from rhizome.properties, reachable by another libp2p
 * implementation (js-libp2p answers a ping), on the same port after a restart; bad settings stop the
 * daemon before it starts.
 */
class NodeLibp2pTest {

    private static final Pattern STARTED = Pattern.compile(
            "transport 'libp2p' started: \\[[^\\]]*?(/ip4/127\\.0\\.0\\.1/tcp/(\\d+)/p2p/(\\w+))");
    private static final Path JS = NodeProcess.ROOT.resolve("tests/io.rhizome.transport.libp2p.tests/js");

    @TempDir
    Path tmp;

    private static void configure(Path home, String... lines) throws Exception {
        Files.createDirectories(home);
        Files.writeString(home.resolve("rhizome.properties"), "api.port=0\n" + String.join("\n", lines) + "\n");
    }

    /** The node's loopback libp2p address from its log, once the engine started the transport. */
    private static Matcher awaitLibp2p(NodeProcess node) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            Matcher m = STARTED.matcher(node.output());
            if (m.find()) {
                return m;
            }
            if (!node.process.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("no \"transport 'libp2p' started\" with a loopback address:\n" + node.output());
            }
            Thread.sleep(50);
        }
    }

    /** {@code node peer.mjs ping ADDR}: a js-libp2p node dials and pings; returns its output. */
    private static String jsPing(String address) throws Exception {
        NodeProcess.ensureNpmPackages(JS, "libp2p");
        Process p = new ProcessBuilder("node", "peer.mjs", "ping", address).directory(JS.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("js ping did not finish within 60 s");
        }
        String s = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), s);
        return s;
    }

    @Test
    void theDaemonListensWhereConfiguredAnswersJsLibp2pAndKeepsItsPort() throws Exception {
        Path home = tmp.resolve("home");
        configure(home, "p2p.listen=/ip4/127.0.0.1/tcp/0", "p2p.mdns=false");
        String address;
        String port;
        try (NodeProcess node = NodeProcess.start(home).awaitReady()) {
            Matcher m = awaitLibp2p(node);
            address = m.group(1);
            port = m.group(2);
            String peerId = m.group(3);
            // p2p.listen and p2p.mdns were applied: only the loopback address, no LAN announcements
            assertTrue(node.output().contains("transport 'libp2p' started: [" + address + "]"), node.output());
            assertFalse(node.output().contains("mDNS discovery started"), node.output());
            String out = jsPing(address);
            assertTrue(out.contains("\"event\":\"connected\",\"remotePeer\":\"" + peerId + "\""), out);
            assertTrue(Pattern.compile("\"event\":\"ping\",\"rtt\":\\d+").matcher(out).find(), out);
            assertTrue(Files.readString(home.resolve("p2p-ports.properties")).contains("/ip4/127.0.0.1/tcp/0=" + port));
            assertEquals(143, node.terminate(), "SIGTERM ends the JVM with 128+15");
        }
        try (NodeProcess node = NodeProcess.start(home).awaitReady()) {
            Matcher m = awaitLibp2p(node);
            assertEquals(address, m.group(1), "a restarted node listens on the port it got the first time");
            assertTrue(jsPing(address).contains("\"event\":\"ping\""));
        }
    }

    @Test
    void badP2pSettingsStopTheDaemonWithAClearMessage() throws Exception {
        String[][] cases = {
            {"p2p.listen=/ip4/127.0.0.1/udp/4001", "p2p.listen: '/ip4/127.0.0.1/udp/4001' is not a TCP listen multiaddr"},
            {"p2p.listen=/ip4/127.0.0.1/tcp/4001,", "p2p.listen has an empty entry"},
            {"p2p.listen=/ip4/300.0.0.1/tcp/1", "p2p.listen: '/ip4/300.0.0.1/tcp/1'"},
            {"p2p.mdns=maybe", "p2p.mdns must be true or false, not 'maybe'"},
        };
        int i = 0;
        for (String[] c : cases) {
            Path home = tmp.resolve("bad" + i++);
            configure(home, c[0]);
            try (NodeProcess node = NodeProcess.start(home)) {
                assertTrue(node.process.waitFor(60, TimeUnit.SECONDS), "the daemon did not refuse " + c[0]);
                assertEquals(2, node.process.exitValue(), node.output());
                assertTrue(node.output().contains(c[1]), c[0] + " -> " + node.output());
                assertFalse(Files.exists(home.resolve("api.json")));
            }
        }
    }
}

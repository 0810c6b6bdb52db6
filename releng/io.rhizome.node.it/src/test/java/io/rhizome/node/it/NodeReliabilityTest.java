package io.rhizome.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the running node holds and answers when parties without the key or trust push at it. */
class NodeReliabilityTest {

    @TempDir
    Path tmp;

    /** Reads the status line of an HTTP answer (bounded by the socket's read timeout). */
    private static String statusLine(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int i = 0; i < 200; i++) {
            int b = in.read();
            if (b < 0 || b == '\n') {
                break;
            }
            line.write(b);
        }
        return line.toString(StandardCharsets.US_ASCII).strip();
    }

    @Test
    void aCallerWithoutTheKeyIsAnsweredBeforeItsBodyIsRead() throws Exception {
        Path home = NodeProcess.loopbackHome(tmp, "home");
        try (NodeProcess node = NodeProcess.start(home).awaitReady()) {
            int port = node.port();
            // 96 callers at once announce a 16 MiB body each and send 1 KiB of it: each is answered 401 from its
            // headers alone (a node that read the body first would wait for the other 16 MiB and answer nothing)
            List<Socket> callers = new ArrayList<>();
            try {
                for (int i = 0; i < 96; i++) {
                    Socket s = new Socket();
                    s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                    s.setSoTimeout(15_000);
                    OutputStream out = s.getOutputStream();
                    out.write(("PUT /api/v1/ns/notes/k" + i + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                            + "Content-Length: " + (16 * 1024 * 1024) + "\r\n" + (i % 2 == 0 ? "" : "X-API-Key: wrong\r\n") + "\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.write(new byte[1024]);
                    out.flush();
                    callers.add(s);
                }
                for (Socket s : callers) {
                    String status = statusLine(s);
                    assertTrue(status.startsWith("HTTP/1.1 401"), "answered before the body: " + status);
                }
            } finally {
                for (Socket s : callers) {
                    s.close();
                }
            }
            String key = node.apiJson().path("apiKey").asText();
            assertEquals(200, node.request("GET", "/api/v1/status", key).statusCode(), "the node still serves");
            assertEquals(404, node.request("GET", "/api/v1/ns/notes/k1", key).statusCode(), "nothing was written");
        }
    }

    /** The node's libp2p listen port, from its status once the transport is up (bounded). */
    private static int p2pPort(NodeProcess node) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            String status = node.request("GET", "/api/v1/status", node.apiJson().path("apiKey").asText()).body();
            Matcher m = Pattern.compile("/ip4/127\\.0\\.0\\.1/tcp/(\\d+)").matcher(status);
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
            assertTrue(System.nanoTime() < deadline, "a loopback listen address in the status: " + status);
            Thread.sleep(100);
        }
    }

    /**
     * Opens {@code n} connections that never speak. The node greets one it admits (it then holds a
     * handshake slot of this address; kept open here) and closes one it refuses at once; with 8
     * slots per address nearly all are refused. Returns how long it took.
     */
    private static Duration refusedConnections(int port, int n) throws IOException {
        long start = System.nanoTime();
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                Socket s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                s.setSoTimeout(10_000);
                int first;
                try {
                    first = s.getInputStream().read();
                } catch (java.net.SocketException reset) {
                    first = -1;
                }
                if (first < 0) {
                    s.close();
                } else {
                    held.add(s);
                }
            }
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private static long count(Path log, String fragment) throws IOException {
        try (Stream<String> lines = Files.lines(log)) {
            return lines.filter(l -> l.contains(fragment)).count();
        }
    }

    @Test
    void refusedConnectionsWriteOneSummaryPerIntervalNotOneLineEach() throws Exception {
        Path home = NodeProcess.loopbackHome(tmp, "home");
        try (NodeProcess node = NodeProcess.start(home, Map.of("RHIZOME_JAVA_OPTS", "-Drhizome.log.intervalSeconds=2")).awaitReady()) {
            Duration took = refusedConnections(p2pPort(node), 2000);
            Path log = home.resolve("logs/rhizome.log");
            String refused = "refusing libp2p connection from";
            String summary = "more lines like \"refusing libp2p connection from {}: {}\" left out";
            // the summary of the last interval is written when that interval ends
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (count(log, summary) == 0) {
                assertTrue(System.nanoTime() < deadline, "no summary line in " + log);
                Thread.sleep(100);
            }
            long intervals = took.toSeconds() / 2 + 2;
            long written = count(log, refused) - count(log, summary);
            assertTrue(written <= 5 * intervals, written + " refusal lines for 2000 refused connections in " + took
                    + " (at most 5 per 2 s interval)");
            assertTrue(written >= 1, "the first refusals are written");
            String key = node.apiJson().path("apiKey").asText();
            assertEquals(200, node.request("GET", "/api/v1/status", key).statusCode(), "the node still serves");
        }
    }

    @Test
    void theLogFolderStaysWithinItsSizeCap() throws Exception {
        Path home = NodeProcess.loopbackHome(tmp, "home");
        // repeats let through, so the refusals fill the log: 64 KB files, 256 KB of rolled files at most
        Map<String, String> opts = Map.of("RHIZOME_JAVA_OPTS",
                "-Drhizome.log.burst=1000000 -Drhizome.log.maxFileSize=64KB -Drhizome.log.totalSizeCap=256KB");
        try (NodeProcess node = NodeProcess.start(home, opts).awaitReady()) {
            int port = p2pPort(node);
            Path logs = home.resolve("logs");
            for (int round = 0; round < 6; round++) {
                refusedConnections(port, 1000);
            }
            long written = 0;
            try (Stream<Path> files = Files.list(logs)) {
                for (Path f : files.toList()) {
                    written += count(f, "refusing libp2p connection from");
                }
            }
            assertTrue(written > 1000, "the refusals filled the log past its cap: " + written + " lines");
            long bound = 256 * 1024 + 2 * 64 * 1024;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            long size;
            do {
                try (Stream<Path> files = Files.list(logs)) {
                    size = files.mapToLong(f -> f.toFile().length()).sum();
                }
                if (size <= bound) {
                    break;
                }
                Thread.sleep(200);
            } while (System.nanoTime() < deadline);
            assertTrue(size <= bound, "logs/ holds " + size + " bytes, more than the 256 KB cap plus the active file");
            String key = node.apiJson().path("apiKey").asText();
            assertEquals(200, node.request("GET", "/api/v1/status", key).statusCode(), "the node still serves");
        }
    }
}

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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
}

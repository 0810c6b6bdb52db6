package io.rhizome.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The CLI's HTTP/1.1 client against a real loopback socket that answers with fixed bytes. */
class LoopbackHttpTest {

    /** Serves one connection: records the request (head and body) and writes {@code answer}. */
    private static final class OneShot implements AutoCloseable {
        final ServerSocket server;
        final CompletableFuture<String> request = new CompletableFuture<>();

        OneShot(String answer) throws IOException {
            server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
            Thread t = new Thread(() -> {
                try (Socket s = server.accept()) {
                    s.setSoTimeout(10_000);
                    InputStream in = s.getInputStream();
                    ByteArrayOutputStream seen = new ByteArrayOutputStream();
                    // the head, then Content-Length bytes of body
                    while (!seen.toString(StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) {
                        int c = in.read();
                        if (c < 0) {
                            break;
                        }
                        seen.write(c);
                    }
                    String head = seen.toString(StandardCharsets.ISO_8859_1);
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile("Content-Length: (\\d+)").matcher(head);
                    if (m.find()) {
                        seen.write(in.readNBytes(Integer.parseInt(m.group(1))));
                    }
                    request.complete(seen.toString(StandardCharsets.UTF_8));
                    OutputStream out = s.getOutputStream();
                    out.write(answer.getBytes(StandardCharsets.UTF_8));
                    out.flush();
                } catch (IOException e) {
                    request.completeExceptionally(e);
                }
            }, "one-shot-http");
            t.setDaemon(true);
            t.start();
        }

        LoopbackHttp client() {
            return new LoopbackHttp("127.0.0.1", server.getLocalPort(), 3_000);
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    private static String text(InputStream body) throws IOException {
        return new String(LoopbackHttp.readAll(body), StandardCharsets.UTF_8);
    }

    @Test
    void sendsMethodTargetKeyAndBodyAndReadsAContentLengthAnswer() throws Exception {
        try (OneShot server = new OneShot("HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}trailing bytes past the length")) {
            LoopbackHttp.Answer a = server.client().exchange("PUT", "/api/v1/ns/n/k%2F1", "key-1", "application/json",
                    "\"é\"".getBytes(StandardCharsets.UTF_8), 5_000);
            assertEquals(201, a.status());
            assertEquals("{\"ok\":true}", text(a.body()));
            String request = server.request.get(10, TimeUnit.SECONDS);
            assertTrue(request.startsWith("PUT /api/v1/ns/n/k%2F1 HTTP/1.1\r\n"), request);
            assertTrue(request.contains("\r\nX-API-Key: key-1\r\n"), request);
            assertTrue(request.contains("\r\nContent-Length: 4\r\n"), request);
            assertTrue(request.contains("\r\nConnection: close\r\n"), request);
            assertTrue(request.endsWith("\r\n\r\n\"é\""), request);
        }
    }

    @Test
    void readsAChunkedStreamWithExtensionsAndTrailers() throws Exception {
        try (OneShot server = new OneShot("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "6\r\nline1\n\r\n" + "a;ext=1\r\nline2\nline\r\n" + "2\r\n3\n\r\n" + "0\r\nX-Trailer: t\r\n\r\n")) {
            LoopbackHttp.Answer a = server.client().exchange("GET", "/api/v1/events", "k", null, null, 0);
            assertEquals(200, a.status());
            assertEquals("line1\nline2\nline3\n", text(a.body()));
        }
    }

    @Test
    void aBodyWithoutLengthEndsWhenTheConnectionCloses() throws Exception {
        try (OneShot server = new OneShot("HTTP/1.1 500 Server Error\r\n\r\n<html><title>boom</title></html>")) {
            LoopbackHttp.Answer a = server.client().exchange("GET", "/api/v1/status", "k", null, null, 5_000);
            assertEquals(500, a.status());
            assertEquals("<html><title>boom</title></html>", text(a.body()));
        }
    }

    @Test
    void aCutAnswerIsAnErrorNotAShortBody() throws Exception {
        try (OneShot server = new OneShot("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this")) {
            LoopbackHttp.Answer a = server.client().exchange("GET", "/api/v1/status", "k", null, null, 5_000);
            assertThrows(EOFException.class, () -> LoopbackHttp.readAll(a.body()));
        }
        try (OneShot server = new OneShot("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nshort")) {
            LoopbackHttp.Answer a = server.client().exchange("GET", "/api/v1/export", "k", null, null, 5_000);
            assertThrows(EOFException.class, () -> LoopbackHttp.readAll(a.body()));
        }
        try (OneShot server = new OneShot("SSH-2.0-OpenSSH\r\n")) {
            IOException e = assertThrows(IOException.class, () -> server.client().exchange("GET", "/api/v1/status", "k", null, null, 5_000));
            assertTrue(e.getMessage().contains("not an HTTP answer"), e.getMessage());
        }
    }

    @Test
    void aTargetThatIsNotPercentEncodedIsRefusedBeforeAnythingIsSent() throws Exception {
        try (OneShot server = new OneShot("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")) {
            assertThrows(IllegalArgumentException.class,
                    () -> server.client().exchange("GET", "/api/v1/ns/a b\r\nX-Evil: 1", "k", null, null, 5_000));
        }
    }

    @Test
    void noListenerIsAConnectException() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        LoopbackHttp http = new LoopbackHttp("127.0.0.1", port, 3_000);
        assertThrows(java.net.ConnectException.class, () -> http.exchange("GET", "/api/v1/status", "k", null, null, 5_000));
    }
}

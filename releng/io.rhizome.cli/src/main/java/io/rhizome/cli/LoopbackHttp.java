package io.rhizome.cli;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * HTTP/1.1 over a plain socket to the daemon on 127.0.0.1, one request per connection.
 *
 * <p>Why not {@code java.net.http.HttpClient}: a CLI call is one short request to loopback, and
 * that client's start-up (its selector thread, the TLS context it builds even for plain HTTP, ~600
 * classes) was most of the CPU of a call. What the daemon (Jetty) answers is small and known:
 * a {@code Content-Length} body, a chunked stream, or a body that ends when the connection closes.
 */
final class LoopbackHttp {

    /** An answer's status and its body, which the caller must close (it closes the connection). */
    record Answer(int status, InputStream body) {
    }

    private static final int MAX_HEAD_BYTES = 64 * 1024;

    private final String host;
    private final int port;
    private final int connectTimeoutMillis;

    LoopbackHttp(String host, int port, int connectTimeoutMillis) {
        this.host = host;
        this.port = port;
        this.connectTimeoutMillis = connectTimeoutMillis;
    }

    /**
     * Sends one request and reads the answer's head; {@code readTimeoutMillis} 0 waits for ever (a
     * stream the user ends). {@code target} is the path and query, already percent-encoded.
     */
    Answer exchange(String method, String target, String apiKey, String contentType, byte[] body, int readTimeoutMillis)
            throws IOException {
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c <= ' ' || c >= 0x7f) {
                throw new IllegalArgumentException("request target is not percent-encoded: " + target);
            }
        }
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), connectTimeoutMillis);
            socket.setSoTimeout(readTimeoutMillis);
            StringBuilder head = new StringBuilder(256).append(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                    .append("Host: ").append(host).append(':').append(port).append("\r\n")
                    .append("X-API-Key: ").append(apiKey).append("\r\n")
                    .append("Connection: close\r\n");
            if (contentType != null) {
                head.append("Content-Type: ").append(contentType).append("\r\n");
            }
            if (body != null) {
                head.append("Content-Length: ").append(body.length).append("\r\n");
            }
            head.append("\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            if (body != null) {
                out.write(body);
            }
            out.flush();
            InputStream in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
            String statusLine = line(in);
            // "HTTP/1.1 200 OK": the code is the second word
            String[] words = statusLine.split(" ", 3);
            if (words.length < 2 || !words[0].startsWith("HTTP/1.") || !words[1].matches("[0-9]{3}")) {
                throw new IOException("not an HTTP answer: " + statusLine);
            }
            int status = Integer.parseInt(words[1]);
            long length = -1;
            boolean chunked = false;
            int headBytes = statusLine.length();
            for (String h = line(in); !h.isEmpty(); h = line(in)) {
                headBytes += h.length();
                if (headBytes > MAX_HEAD_BYTES) {
                    throw new IOException("the answer's head is longer than " + MAX_HEAD_BYTES + " bytes");
                }
                int colon = h.indexOf(':');
                if (colon <= 0) {
                    continue;
                }
                String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = h.substring(colon + 1).trim();
                if (name.equals("content-length")) {
                    length = Long.parseLong(value);
                } else if (name.equals("transfer-encoding")) {
                    chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                }
            }
            InputStream content = chunked ? new Chunked(in) : length >= 0 ? new Limited(in, length) : in;
            if (method.equals("HEAD") || status == 204 || status == 304) {
                content = new Limited(in, 0);
            }
            return new Answer(status, new ClosingSocket(content, socket));
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** Reads a whole answer's body. */
    static byte[] readAll(InputStream body) throws IOException {
        try (body) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            body.transferTo(all);
            return all.toByteArray();
        }
    }

    /** A head line without its CRLF (a bare LF is accepted too). */
    private static String line(InputStream in) throws IOException {
        StringBuilder s = new StringBuilder(64);
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new EOFException("the daemon closed the connection in the middle of its answer");
            }
            if (s.length() > MAX_HEAD_BYTES) {
                throw new IOException("a line of the answer's head is longer than " + MAX_HEAD_BYTES + " bytes");
            }
            if (c != '\r') {
                s.append((char) c);
            }
        }
        return s.toString();
    }

    /** The body of a {@code Content-Length} answer. */
    private static final class Limited extends InputStream {
        private final InputStream in;
        private long left;

        Limited(InputStream in, long length) {
            this.in = in;
            this.left = length;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) {
                throw new EOFException("the daemon closed the connection with " + left + " bytes of its answer missing");
            }
            left -= n;
            return n;
        }
    }

    /** The body of a {@code Transfer-Encoding: chunked} answer (a stream of events or export lines). */
    private static final class Chunked extends InputStream {
        private final InputStream in;
        private long left;
        private boolean done;

        Chunked(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (done) {
                return -1;
            }
            if (left == 0) {
                String size = line(in);
                int semicolon = size.indexOf(';');
                String hex = (semicolon >= 0 ? size.substring(0, semicolon) : size).trim();
                if (hex.isEmpty() || hex.length() > 15 || !hex.matches("[0-9A-Fa-f]+")) {
                    throw new IOException("bad chunk size in the daemon's answer: '" + size + "'");
                }
                left = Long.parseLong(hex, 16);
                if (left == 0) {
                    for (String trailer = line(in); !trailer.isEmpty(); trailer = line(in)) {
                        // trailers carry nothing the CLI uses
                    }
                    done = true;
                    return -1;
                }
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) {
                throw new EOFException("the daemon closed the connection in the middle of a chunk");
            }
            left -= n;
            if (left == 0) {
                line(in);   // the CRLF after the chunk
            }
            return n;
        }
    }

    /** Closing the body closes the connection. */
    private static final class ClosingSocket extends InputStream {
        private final InputStream in;
        private final Socket socket;

        ClosingSocket(InputStream in, Socket socket) {
            this.in = in;
            this.socket = socket;
        }

        @Override
        public int read() throws IOException {
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return in.read(b, off, len);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}

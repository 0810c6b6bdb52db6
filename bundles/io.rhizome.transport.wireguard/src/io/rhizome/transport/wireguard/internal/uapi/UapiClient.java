package io.rhizome.transport.wireguard.internal.uapi;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Talks to one WireGuard interface over the cross-platform userspace API (wireguard.com/xplatform):
 * a unix stream socket ({@code /var/run/wireguard/<iface>.sock}) that takes {@code set=1} or
 * {@code get=1}, then {@code key=value} lines and an empty line, and answers with
 * {@code errno=N} (and, for get, the state before it) and an empty line.
 *
 * <p>One connection per operation, so a dead or restarted daemon never leaves a half-read answer
 * behind. Every operation is bounded by the timeout (a daemon that stops answering fails the call,
 * it does not hang the caller) and by a maximum answer size. Thread-safe: operations run one at a
 * time, because a set interleaved with another set would apply half of each.
 */
public final class UapiClient {

    /** Large enough for thousands of peers; an answer past it is not from a sane daemon. */
    private static final int MAX_ANSWER = 8 * 1024 * 1024;

    private final Path socket;
    private final Duration timeout;

    public UapiClient(Path socket, Duration timeout) {
        this.socket = socket;
        this.timeout = timeout;
    }

    public Path socket() {
        return socket;
    }

    /** The interface's state with every peer. */
    public synchronized DeviceState get() throws IOException {
        return UapiParser.device(exchange("get=1\n\n"));
    }

    /**
     * Applies one set operation; WireGuard applies the lines in order and stops at the first bad one,
     * so callers validate their input before (the records here do).
     */
    public synchronized void set(List<String> lines) throws IOException {
        StringBuilder request = new StringBuilder("set=1\n");
        for (String line : lines) {
            if (line.indexOf('\n') >= 0 || line.isEmpty()) {
                throw new IllegalArgumentException("a UAPI line is one non-empty line: " + line);
            }
            request.append(line).append('\n');
        }
        request.append('\n');
        int errno = UapiParser.errno(exchange(request.toString()));
        if (errno != 0) {
            throw new UapiException("WireGuard at " + socket + " refused the configuration with errno " + errno
                    + " (" + describe(errno) + ")", errno);
        }
    }

    /** Sets the private key and listen port. */
    public void configureDevice(WgKey privateKey, int listenPort) throws IOException {
        set(List.of("private_key=" + privateKey.hex(), "listen_port=" + listenPort));
    }

    /** Adds a peer or replaces what the interface knows about it (endpoint, keepalive, allowed IPs). */
    public void putPeer(PeerConfig peer) throws IOException {
        set(peer.uapiLines());
    }

    /** Removes a peer; its allowed IPs stop being routed at once. Removing an unknown peer is not an error. */
    public void removePeer(WgKey publicKey) throws IOException {
        set(List.of("public_key=" + publicKey.hex(), "remove=true"));
    }

    private List<String> exchange(String request) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                throw new IOException("cannot reach the WireGuard interface's UAPI socket " + socket + ": " + e.getMessage(), e);
            }
            ch.configureBlocking(false);
            try (Selector selector = Selector.open()) {
                ByteBuffer out = ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8));
                SelectionKey key = ch.register(selector, SelectionKey.OP_WRITE);
                ByteArrayOutputStream answer = new ByteArrayOutputStream();
                ByteBuffer in = ByteBuffer.allocate(16 * 1024);
                while (true) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new IOException("the WireGuard interface at " + socket + " did not answer within " + timeout.toMillis() + " ms");
                    }
                    selector.select(Math.max(1, left / 1_000_000));
                    selector.selectedKeys().clear();
                    if (out.hasRemaining()) {
                        ch.write(out);
                        if (!out.hasRemaining()) {
                            key.interestOps(SelectionKey.OP_READ);
                        }
                        continue;
                    }
                    int n = ch.read(in);
                    if (n > 0) {
                        answer.write(in.array(), 0, in.position());
                        in.clear();
                        if (answer.size() > MAX_ANSWER) {
                            throw new UapiException("the WireGuard answer from " + socket + " is larger than " + MAX_ANSWER + " bytes", -1);
                        }
                        if (endsAnswer(answer)) {
                            return lines(answer);
                        }
                    } else if (n < 0) {
                        if (endsAnswer(answer)) {
                            return lines(answer);
                        }
                        throw new UapiException("the WireGuard interface at " + socket + " closed the connection before its answer ended", -1);
                    }
                }
            }
        }
    }

    /** An answer ends with an errno line followed by an empty line. */
    private static boolean endsAnswer(ByteArrayOutputStream answer) {
        String s = answer.toString(StandardCharsets.UTF_8);
        return s.endsWith("\n\n") && (s.startsWith("errno=") || s.contains("\nerrno="));
    }

    private static List<String> lines(ByteArrayOutputStream answer) {
        return new ArrayList<>(Arrays.asList(answer.toString(StandardCharsets.UTF_8).split("\n")));
    }

    private static String describe(int errno) {
        return switch (errno) {
            case 1 -> "not permitted";
            case 5 -> "I/O error";
            case 22 -> "invalid argument";
            case 98 -> "address in use";
            default -> "see errno(3)";
        };
    }
}

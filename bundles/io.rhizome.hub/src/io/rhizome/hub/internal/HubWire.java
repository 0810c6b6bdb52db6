package io.rhizome.hub.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The hub protocol {@value #PROTOCOL}: one request, one response, on a channel the transport
 * authenticated (the remote device id is the transport's, never a field of the message). A write,
 * delete or membership request carries the sender's Ed25519 signature over {@link #signedBytes}:
 * the operation, the hub it is meant for, the path, a number that only grows per sender (so an
 * old manifest cannot be replayed over a newer one) and the SHA-256 of the bytes.
 *
 * <p>Encoding: {@code u8 op | u64 counter | str folder | str name | bytes body | bytes signature},
 * a string being {@code u16 length | UTF-8}, bytes {@code u32 length | bytes}; strict: a length
 * past the message, an unknown op or trailing bytes is refused.
 */
public final class HubWire {

    public static final String PROTOCOL = "/rhizome/hub/1.0.0";
    /** Largest body of one request or response: a cloud batch file (1 MiB of change sets, sealed and padded) fits. */
    public static final int MAX_BODY = 4 << 20;

    /** Largest part of a file in one READ answer (below the 256 KiB a device takes from a peer it does not trust). */
    public static final int READ_PART = 192 * 1024;

    public enum Op {
        LIST, READ, WRITE, DELETE, MEMBERS_GET, MEMBERS_PUT;

        boolean signed() {
            return this == WRITE || this == DELETE || this == MEMBERS_PUT;
        }
    }

    public enum Status {
        OK, REFUSED, NOT_FOUND
    }

    public record Request(Op op, long counter, String folder, String name, byte[] body, byte[] signature) {
    }

    public record Response(Status status, String message, byte[] body) {
        static Response ok(byte[] body) {
            return new Response(Status.OK, "", body);
        }

        static Response refused(String why) {
            return new Response(Status.REFUSED, why, new byte[0]);
        }
    }

    /** Bad bytes from the network, with what was wrong. */
    public static final class MalformedException extends Exception {
        private static final long serialVersionUID = 1L;

        public MalformedException(String message) {
            super(message);
        }
    }

    private HubWire() {
    }

    /** What the sender signs: domain, op, the hub's device id, counter, path and the body's SHA-256. */
    public static byte[] signedBytes(String hubId, Op op, long counter, String folder, String name, byte[] body) {
        String s = "rhizome/hub/v1|" + op + "|" + hubId + "|" + counter + "|" + folder + "|" + name + "|"
                + HexFormat.of().formatHex(sha256(body));
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public static byte[] encode(Request r) {
        return write(out -> {
            out.writeByte(r.op().ordinal());
            out.writeLong(r.counter());
            str(out, r.folder());
            str(out, r.name());
            bytes(out, r.body());
            bytes(out, r.signature());
        });
    }

    public static Request decodeRequest(byte[] m) throws MalformedException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(m))) {
            int op = in.readUnsignedByte();
            if (op >= Op.values().length) {
                throw new MalformedException("unknown hub operation " + op);
            }
            Request r = new Request(Op.values()[op], in.readLong(), str(in), str(in), bytes(in, m.length), bytes(in, 64));
            end(in);
            return r;
        } catch (IOException e) {
            throw new MalformedException("the hub request is cut short or malformed");
        }
    }

    public static byte[] encode(Response r) {
        return write(out -> {
            out.writeByte(r.status().ordinal());
            str(out, r.message());
            bytes(out, r.body());
        });
    }

    public static Response decodeResponse(byte[] m) throws MalformedException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(m))) {
            int s = in.readUnsignedByte();
            if (s >= Status.values().length) {
                throw new MalformedException("unknown hub status " + s);
            }
            Response r = new Response(Status.values()[s], str(in), bytes(in, m.length));
            end(in);
            return r;
        } catch (IOException e) {
            throw new MalformedException("the hub response is cut short or malformed");
        }
    }

    /** A list of strings (names, device ids) as a body. */
    public static byte[] strings(List<String> values) {
        return write(out -> {
            out.writeInt(values.size());
            for (String v : values) {
                str(out, v);
            }
        });
    }

    public static List<String> strings(byte[] body) throws MalformedException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(body))) {
            int n = in.readInt();
            if (n < 0 || n > body.length / 2) {
                throw new MalformedException("a list of " + n + " names cannot fit in " + body.length + " bytes");
            }
            List<String> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                out.add(str(in));
            }
            end(in);
            return out;
        } catch (IOException e) {
            throw new MalformedException("a list of names is cut short");
        }
    }

    static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private interface Writer {
        void to(DataOutputStream out) throws IOException;
    }

    private static byte[] write(Writer w) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            w.to(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void str(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > 0xffff) {
            throw new IllegalArgumentException("a hub string is at most 65535 bytes");
        }
        out.writeShort(b.length);
        out.write(b);
    }

    private static String str(DataInputStream in) throws IOException {
        byte[] b = new byte[in.readUnsignedShort()];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static void bytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    private static byte[] bytes(DataInputStream in, int max) throws IOException, MalformedException {
        int n = in.readInt();
        if (n < 0 || n > Math.min(max, MAX_BODY)) {
            throw new MalformedException("a field of " + n + " bytes is longer than allowed here");
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    private static void end(DataInputStream in) throws IOException, MalformedException {
        if (in.read() != -1) {
            throw new MalformedException("trailing bytes after the hub message");
        }
    }
}

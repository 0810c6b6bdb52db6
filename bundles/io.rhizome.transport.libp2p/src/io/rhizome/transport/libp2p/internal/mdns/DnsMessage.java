package io.rhizome.transport.libp2p.internal.mdns;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.rhizome.transport.libp2p.internal.multiformats.Utf8;

/**
 * The subset of DNS messages (RFC 1035, as mDNS uses them per RFC 6762) libp2p discovery needs:
 * questions and resource records with PTR and TXT data. Encoding writes uncompressed names;
 * decoding follows compression pointers (bounded, so a pointer loop cannot hang it).
 *
 * @param id message id (0 in mDNS)
 * @param response whether this is a response (QR bit)
 */
public record DnsMessage(int id, boolean response, List<Question> questions, List<Record> answers,
        List<Record> additionals) {

    public static final int TYPE_A = 1;
    public static final int TYPE_PTR = 12;
    public static final int TYPE_TXT = 16;
    public static final int TYPE_AAAA = 28;
    public static final int TYPE_SRV = 33;
    public static final int CLASS_IN = 1;
    /** Largest packet we read or write. */
    public static final int MAX_PACKET = 9000;

    public DnsMessage {
        questions = List.copyOf(questions);
        answers = List.copyOf(answers);
        additionals = List.copyOf(additionals);
    }

    public record Question(String name, int type, int dnsClass) {
    }

    /** A resource record; {@code data} is the raw RDATA. */
    public record Record(String name, int type, int dnsClass, long ttl, byte[] data) {

        public static Record ptr(String name, String target, long ttl) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            writeName(out, target);
            return new Record(name, TYPE_PTR, CLASS_IN, ttl, out.toByteArray());
        }

        public static Record txt(String name, List<String> strings, long ttl) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (String s : strings) {
                byte[] b = s.getBytes(StandardCharsets.UTF_8);
                if (b.length > 255) {
                    throw new DnsException("TXT string longer than 255 bytes");
                }
                out.write(b.length);
                out.writeBytes(b);
            }
            return new Record(name, TYPE_TXT, CLASS_IN, ttl, out.toByteArray());
        }

        /** The character strings of a TXT record. */
        public List<String> txtStrings() {
            List<String> out = new ArrayList<>();
            int i = 0;
            while (i < data.length) {
                int len = data[i] & 0xFF;
                if (i + 1 + len > data.length) {
                    throw new DnsException("TXT string overruns its record");
                }
                out.add(Utf8.decode(data, i + 1, len).orElseThrow(() -> new DnsException("TXT string is not valid UTF-8")));
                i += 1 + len;
            }
            return out;
        }
    }

    /** Thrown for malformed packets; the packet is ignored. */
    public static final class DnsException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public DnsException(String message) {
            super(message);
        }
    }

    public byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeShort(out, id);
        writeShort(out, response ? 0x8400 : 0); // QR + AA for responses
        writeShort(out, questions.size());
        writeShort(out, answers.size());
        writeShort(out, 0);
        writeShort(out, additionals.size());
        for (Question q : questions) {
            writeName(out, q.name);
            writeShort(out, q.type);
            writeShort(out, q.dnsClass);
        }
        for (Record r : answers) {
            writeRecord(out, r);
        }
        for (Record r : additionals) {
            writeRecord(out, r);
        }
        if (out.size() > MAX_PACKET) {
            throw new DnsException("DNS message of " + out.size() + " bytes exceeds " + MAX_PACKET);
        }
        return out.toByteArray();
    }

    /** Decodes a packet; PTR record data is returned decompressed (as an uncompressed name). */
    public static DnsMessage decode(byte[] packet, int length) {
        if (length < 12 || length > MAX_PACKET) {
            throw new DnsException("DNS packet length " + length + " out of range");
        }
        ByteBuffer b = ByteBuffer.wrap(packet, 0, length);
        int id = b.getShort() & 0xFFFF;
        int flags = b.getShort() & 0xFFFF;
        int qd = b.getShort() & 0xFFFF;
        int an = b.getShort() & 0xFFFF;
        int ns = b.getShort() & 0xFFFF;
        int ar = b.getShort() & 0xFFFF;
        if (qd + an + ns + ar > length / 5) {
            throw new DnsException("DNS packet claims more entries than it can hold");
        }
        try {
            List<Question> questions = new ArrayList<>();
            for (int i = 0; i < qd; i++) {
                String name = readName(packet, length, b);
                questions.add(new Question(name, b.getShort() & 0xFFFF, b.getShort() & 0x7FFF));
            }
            List<Record> answers = readRecords(packet, length, b, an);
            readRecords(packet, length, b, ns);
            List<Record> additionals = readRecords(packet, length, b, ar);
            return new DnsMessage(id, (flags & 0x8000) != 0, questions, answers, additionals);
        } catch (java.nio.BufferUnderflowException | IndexOutOfBoundsException e) {
            throw new DnsException("truncated DNS packet");
        }
    }

    /** The name a PTR record points to. */
    public static String ptrTarget(Record r) {
        ByteBuffer b = ByteBuffer.wrap(r.data);
        return readName(r.data, r.data.length, b);
    }

    private static List<Record> readRecords(byte[] packet, int length, ByteBuffer b, int count) {
        List<Record> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String name = readName(packet, length, b);
            int type = b.getShort() & 0xFFFF;
            int dnsClass = b.getShort() & 0x7FFF; // top bit is mDNS cache-flush
            long ttl = b.getInt() & 0xFFFFFFFFL;
            int rdlen = b.getShort() & 0xFFFF;
            if (rdlen > b.remaining()) {
                throw new DnsException("record data overruns the packet");
            }
            int start = b.position();
            byte[] data;
            if (type == TYPE_PTR) {
                // decompress now: the target may point elsewhere in the packet
                ByteArrayOutputStream target = new ByteArrayOutputStream();
                writeName(target, readName(packet, length, ByteBuffer.wrap(packet, start, rdlen)));
                data = target.toByteArray();
            } else {
                data = new byte[rdlen];
                System.arraycopy(packet, start, data, 0, rdlen);
            }
            b.position(start + rdlen);
            out.add(new Record(name, type, dnsClass, ttl, data));
        }
        return out;
    }

    static String readName(byte[] packet, int length, ByteBuffer b) {
        StringBuilder sb = new StringBuilder();
        int pos = b.position();
        int jumps = 0;
        boolean jumped = false;
        while (true) {
            if (pos >= length) {
                throw new DnsException("DNS name runs past the packet");
            }
            int len = packet[pos] & 0xFF;
            if ((len & 0xC0) == 0xC0) {
                if (pos + 1 >= length) {
                    throw new DnsException("truncated DNS name pointer");
                }
                if (++jumps > 16) {
                    throw new DnsException("DNS name pointer loop");
                }
                int target = ((len & 0x3F) << 8) | (packet[pos + 1] & 0xFF);
                if (!jumped) {
                    advance(b, pos + 2);
                    jumped = true;
                }
                pos = target;
                continue;
            }
            if ((len & 0xC0) != 0) {
                throw new DnsException("unsupported DNS label type");
            }
            if (len == 0) {
                if (!jumped) {
                    advance(b, pos + 1);
                }
                break;
            }
            if (pos + 1 + len > length) {
                throw new DnsException("DNS label runs past the packet");
            }
            if (sb.length() > 0) {
                sb.append('.');
            }
            int at = pos;
            sb.append(Utf8.decode(packet, pos + 1, len).orElseThrow(() -> new DnsException("DNS label at " + at + " is not valid UTF-8")));
            if (sb.length() > 255) {
                throw new DnsException("DNS name longer than 255 characters");
            }
            pos += 1 + len;
        }
        return sb.toString();
    }

    /**
     * Moves past a name that ends at {@code end}. A name inside a record's data (a PTR target) is
     * read with the packet's length as its bound, but must also end within the record, the limit of
     * {@code b}: otherwise the record is malformed.
     */
    private static void advance(ByteBuffer b, int end) {
        if (end > b.limit()) {
            throw new DnsException("DNS name runs past its record");
        }
        b.position(end);
    }

    static void writeName(ByteArrayOutputStream out, String name) {
        for (String label : name.split("\\.")) {
            if (label.isEmpty()) {
                continue;
            }
            byte[] b = label.getBytes(StandardCharsets.UTF_8);
            if (b.length > 63) {
                throw new DnsException("DNS label longer than 63 bytes: " + label);
            }
            out.write(b.length);
            out.writeBytes(b);
        }
        out.write(0);
    }

    private static void writeRecord(ByteArrayOutputStream out, Record r) {
        writeName(out, r.name);
        writeShort(out, r.type);
        writeShort(out, r.dnsClass);
        writeShort(out, (int) (r.ttl >>> 16));
        writeShort(out, (int) r.ttl);
        writeShort(out, r.data.length);
        out.writeBytes(r.data);
    }

    private static void writeShort(ByteArrayOutputStream out, int v) {
        out.write((v >>> 8) & 0xFF);
        out.write(v & 0xFF);
    }
}

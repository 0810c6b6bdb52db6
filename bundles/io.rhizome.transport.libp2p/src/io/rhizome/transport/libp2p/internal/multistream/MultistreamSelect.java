package io.rhizome.transport.libp2p.internal.multistream;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import io.netty.buffer.ByteBuf;
import io.rhizome.transport.libp2p.internal.multiformats.MultiformatException;
import io.rhizome.transport.libp2p.internal.multiformats.Utf8;
import io.rhizome.transport.libp2p.internal.multiformats.Varint;

/**
 * multistream-select 1.0 as a byte-in/byte-out state machine, so the same code negotiates the
 * security protocol on raw TCP, the muxer inside Noise and each Yamux stream's protocol.
 *
 * <p>Messages are a varint length, UTF-8 text and a trailing newline. The dialer sends the header and
 * its first proposal at once (the listener answers the header first, so this costs no extra round
 * trip); the listener sends its header immediately. Not thread-safe.
 */
public final class MultistreamSelect {

    public static final String HEADER = "/multistream/1.0.0";
    public static final String NA = "na";
    /** Longest message accepted; protocol ids are short, so anything longer is hostile or broken. */
    public static final int MAX_MESSAGE = 1024;
    /** How many rejected proposals a listener tolerates before giving up. */
    public static final int MAX_ATTEMPTS = 16;

    private final boolean dialer;
    private final List<String> proposals;
    private final Set<String> supported;
    private boolean headerReceived;
    private int proposalIndex;
    private int attempts;
    private String selected;

    private MultistreamSelect(boolean dialer, List<String> proposals, Set<String> supported) {
        this.dialer = dialer;
        this.proposals = List.copyOf(proposals);
        this.supported = Set.copyOf(supported);
    }

    /** A dialer proposing {@code protocols} in order of preference. */
    public static MultistreamSelect dialer(List<String> protocols) {
        if (protocols.isEmpty()) {
            throw new IllegalArgumentException("no protocols to propose");
        }
        return new MultistreamSelect(true, protocols, Set.of());
    }

    public static MultistreamSelect listener(Set<String> protocols) {
        return new MultistreamSelect(false, List.of(), protocols);
    }

    /** Writes what this side says first into {@code out}. */
    public void start(ByteBuf out) {
        writeMessage(out, HEADER);
        if (dialer) {
            writeMessage(out, proposals.get(0));
        }
    }

    /**
     * Consumes whole messages from {@code in}, writing answers into {@code out}; returns the selected
     * protocol once negotiation ends, leaving any following bytes in {@code in} unread.
     *
     * @throws MultistreamException on a protocol violation or when no protocol is agreed
     */
    public Optional<String> receive(ByteBuf in, ByteBuf out) throws MultistreamException {
        if (!headerReceived && in.isReadable() && in.getUnsignedByte(in.readerIndex()) != HEADER.length() + 1) {
            // the header's length byte is fixed: anything else is not multistream, no need to wait for more
            throw new MultistreamException("expected multistream header " + HEADER + ", got other bytes (0x"
                    + Integer.toHexString(in.getUnsignedByte(in.readerIndex())) + "...)");
        }
        while (selected == null) {
            Optional<String> msg = readMessage(in);
            if (msg.isEmpty()) {
                return Optional.empty();
            }
            String m = msg.get();
            if (!headerReceived) {
                if (!m.equals(HEADER)) {
                    throw new MultistreamException("expected multistream header " + HEADER + ", got '" + abbreviate(m) + "'");
                }
                headerReceived = true;
                continue;
            }
            if (dialer) {
                String proposal = proposals.get(proposalIndex);
                if (m.equals(proposal)) {
                    selected = proposal;
                } else if (m.equals(NA)) {
                    proposalIndex++;
                    if (proposalIndex >= proposals.size()) {
                        throw new MultistreamException("remote supports none of " + proposals);
                    }
                    writeMessage(out, proposals.get(proposalIndex));
                } else {
                    throw new MultistreamException("unexpected answer '" + abbreviate(m) + "' to proposal " + proposal);
                }
            } else {
                if (supported.contains(m)) {
                    writeMessage(out, m);
                    selected = m;
                } else if (m.equals("ls")) {
                    writeMessage(out, NA);
                } else {
                    if (++attempts > MAX_ATTEMPTS) {
                        throw new MultistreamException("too many unsupported protocol proposals (last '" + abbreviate(m) + "')");
                    }
                    writeMessage(out, NA);
                }
            }
        }
        return Optional.of(selected);
    }

    public Optional<String> selected() {
        return Optional.ofNullable(selected);
    }

    public static void writeMessage(ByteBuf out, String message) {
        byte[] b = message.getBytes(StandardCharsets.UTF_8);
        Varint.write(out, b.length + 1L);
        out.writeBytes(b);
        out.writeByte('\n');
    }

    /** Reads one message if it is complete. */
    static Optional<String> readMessage(ByteBuf in) throws MultistreamException {
        long len;
        try {
            len = Varint.peek(in);
        } catch (MultiformatException e) {
            throw new MultistreamException("malformed multistream length: " + e.getMessage());
        }
        if (len == Varint.INCOMPLETE) {
            if (in.readableBytes() >= Varint.MAX_BYTES) {
                throw new MultistreamException("malformed multistream length");
            }
            return Optional.empty();
        }
        if (len < 1 || len > MAX_MESSAGE) {
            throw new MultistreamException("multistream message length " + len + " out of range 1.." + MAX_MESSAGE);
        }
        int header = Varint.size(len);
        if (in.readableBytes() < header + len) {
            return Optional.empty();
        }
        in.skipBytes(header);
        byte[] b = new byte[(int) len];
        in.readBytes(b);
        if (b[b.length - 1] != '\n') {
            throw new MultistreamException("multistream message does not end with a newline");
        }
        return Optional.of(Utf8.decode(b, 0, b.length - 1)
                .orElseThrow(() -> new MultistreamException("multistream message is not valid UTF-8 text")));
    }

    private static String abbreviate(String s) {
        String clean = s.replaceAll("[^\\x20-\\x7e]", "?");
        return clean.length() > 64 ? clean.substring(0, 64) + "..." : clean;
    }

    /** All proposals, for diagnostics. */
    public List<String> proposals() {
        return new ArrayList<>(proposals);
    }
}

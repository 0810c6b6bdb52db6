package io.rhizome.transport.libp2p.internal.multiformats;

import java.io.ByteArrayOutputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A multiaddr: a self-describing network address, in binary (varint code + value) and text
 * ("/ip4/127.0.0.1/tcp/4001/p2p/12D3KooW...") forms. Supports the protocols a TCP libp2p node
 * needs: ip4, ip6, dns, dns4, dns6, tcp, udp and p2p.
 *
 * @param components the protocol/value pairs, outermost first
 */
public record Multiaddr(List<Component> components) {

    /** The protocols this implementation understands. Size is in bits, -1 for varint-prefixed. */
    public enum Protocol {
        IP4(4, 32, "ip4"), TCP(6, 16, "tcp"), UDP(273, 16, "udp"), IP6(41, 128, "ip6"), DNS(53, -1, "dns"),
        DNS4(54, -1, "dns4"), DNS6(55, -1, "dns6"), P2P(421, -1, "p2p"),
        /** Circuit relay: the part before it names the relay, the part after the target; it has no value. */
        P2P_CIRCUIT(290, 0, "p2p-circuit");

        public final int code;
        public final int bits;
        public final String label;

        Protocol(int code, int bits, String label) {
            this.code = code;
            this.bits = bits;
            this.label = label;
        }

        static Protocol byCode(long code) {
            for (Protocol p : values()) {
                if (p.code == code) {
                    return p;
                }
            }
            throw new MultiformatException("unsupported multiaddr protocol code " + code);
        }

        static Protocol byName(String name) {
            if (name.equals("ipfs")) {
                return P2P;
            }
            for (Protocol p : values()) {
                if (p.label.equals(name)) {
                    return p;
                }
            }
            throw new MultiformatException("unsupported multiaddr protocol '" + name + "'");
        }
    }

    /** One protocol with its binary value. */
    public record Component(Protocol protocol, byte[] value) {
        public Component {
            value = value.clone();
        }

        @Override
        public byte[] value() {
            return value.clone();
        }

        public String valueText() {
            return switch (protocol) {
                case IP4 -> (value[0] & 0xFF) + "." + (value[1] & 0xFF) + "." + (value[2] & 0xFF) + "." + (value[3] & 0xFF);
                case IP6 -> ip6Text(value);
                case TCP, UDP -> Integer.toString(((value[0] & 0xFF) << 8) | (value[1] & 0xFF));
                case DNS, DNS4, DNS6 -> new String(value, StandardCharsets.UTF_8);
                case P2P -> new PeerId(value).toBase58();
                case P2P_CIRCUIT -> "";
            };
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Component c && c.protocol == protocol && Arrays.equals(c.value, value);
        }

        @Override
        public int hashCode() {
            return protocol.hashCode() * 31 + Arrays.hashCode(value);
        }
    }

    public Multiaddr {
        components = List.copyOf(components);
        if (components.isEmpty()) {
            throw new MultiformatException("empty multiaddr");
        }
    }

    /** Parses the text form. */
    public static Multiaddr parse(String text) {
        if (text == null || !text.startsWith("/")) {
            throw new MultiformatException("multiaddr must start with '/': " + text);
        }
        String[] parts = text.substring(1).split("/", -1);
        List<Component> out = new ArrayList<>();
        int i = 0;
        if (parts.length == 1 && parts[0].isEmpty()) {
            throw new MultiformatException("empty multiaddr");
        }
        while (i < parts.length) {
            if (parts[i].isEmpty()) {
                if (i == parts.length - 1) {
                    break; // trailing slash
                }
                throw new MultiformatException("empty protocol name in multiaddr " + text);
            }
            Protocol p = Protocol.byName(parts[i]);
            if (p.bits == 0) {
                out.add(new Component(p, new byte[0]));
                i++;
                continue;
            }
            if (i + 1 >= parts.length || parts[i + 1].isEmpty()) {
                throw new MultiformatException("multiaddr protocol /" + p.label + " needs a value in " + text);
            }
            out.add(new Component(p, valueFromText(p, parts[i + 1])));
            i += 2;
        }
        return new Multiaddr(out);
    }

    /** Decodes the binary form. */
    public static Multiaddr fromBytes(byte[] bytes) {
        List<Component> out = new ArrayList<>();
        int pos = 0;
        while (pos < bytes.length) {
            long[] code = Varint.decode(bytes, pos);
            pos += (int) code[1];
            Protocol p = Protocol.byCode(code[0]);
            int len;
            if (p.bits >= 0) {
                len = p.bits / 8;
            } else {
                long[] l = Varint.decode(bytes, pos);
                pos += (int) l[1];
                if (l[0] > bytes.length - pos) {
                    throw new MultiformatException("multiaddr /" + p.label + " value length " + l[0] + " exceeds input");
                }
                len = (int) l[0];
            }
            if (pos + len > bytes.length) {
                throw new MultiformatException("truncated multiaddr /" + p.label + " value");
            }
            byte[] v = Arrays.copyOfRange(bytes, pos, pos + len);
            validate(p, v);
            out.add(new Component(p, v));
            pos += len;
        }
        return new Multiaddr(out);
    }

    public byte[] toBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Component c : components) {
            out.writeBytes(Varint.encode(c.protocol.code));
            if (c.protocol.bits < 0) {
                out.writeBytes(Varint.encode(c.value.length));
            }
            out.writeBytes(c.value);
        }
        return out.toByteArray();
    }

    /** The value of the first component of this protocol. */
    public Optional<Component> first(Protocol p) {
        return components.stream().filter(c -> c.protocol == p).findFirst();
    }

    /** The peer id of a trailing /p2p component. */
    public Optional<PeerId> peerId() {
        Component last = components.get(components.size() - 1);
        return last.protocol == Protocol.P2P ? Optional.of(new PeerId(last.value)) : Optional.empty();
    }

    /** This address with /p2p/{peer} appended (replacing an existing trailing one). */
    public Multiaddr withPeerId(PeerId peer) {
        List<Component> list = new ArrayList<>(withoutPeerId().components);
        list.add(new Component(Protocol.P2P, peer.multihash()));
        return new Multiaddr(list);
    }

    public Multiaddr withoutPeerId() {
        if (peerId().isEmpty() || components.size() == 1) {
            return this;
        }
        return new Multiaddr(components.subList(0, components.size() - 1));
    }

    /** A multiaddr for an IP address and TCP port. */
    public static Multiaddr tcp(InetAddress address, int port) {
        Protocol ip = address instanceof Inet6Address ? Protocol.IP6 : Protocol.IP4;
        return new Multiaddr(List.of(new Component(ip, address.getAddress()),
                new Component(Protocol.TCP, new byte[] {(byte) (port >> 8), (byte) port})));
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Component c : components) {
            sb.append('/').append(c.protocol.label);
            if (c.protocol.bits != 0) {
                sb.append('/').append(c.valueText());
            }
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Multiaddr m && m.components.equals(components);
    }

    @Override
    public int hashCode() {
        return components.hashCode();
    }

    private static byte[] valueFromText(Protocol p, String v) {
        switch (p) {
            case IP4 -> {
                String[] octets = v.split("\\.", -1);
                if (octets.length != 4) {
                    throw new MultiformatException("invalid IPv4 address '" + v + "'");
                }
                byte[] b = new byte[4];
                for (int i = 0; i < 4; i++) {
                    if (!octets[i].matches("0|[1-9][0-9]{0,2}") || Integer.parseInt(octets[i]) > 255) {
                        throw new MultiformatException("invalid IPv4 address '" + v + "'");
                    }
                    b[i] = (byte) Integer.parseInt(octets[i]);
                }
                return b;
            }
            case IP6 -> {
                if (!v.contains(":") || !v.matches("[0-9a-fA-F:.]+")) {
                    throw new MultiformatException("invalid IPv6 address '" + v + "'");
                }
                try {
                    // a literal: getByName parses it without any DNS lookup
                    byte[] b = InetAddress.getByName(v).getAddress();
                    if (b.length != 16) {
                        throw new MultiformatException("invalid IPv6 address '" + v + "'");
                    }
                    return b;
                } catch (UnknownHostException e) {
                    throw new MultiformatException("invalid IPv6 address '" + v + "'");
                }
            }
            case TCP, UDP -> {
                if (!v.matches("[0-9]{1,5}") || Integer.parseInt(v) > 65535) {
                    throw new MultiformatException("invalid port '" + v + "' for /" + p.label);
                }
                int port = Integer.parseInt(v);
                return new byte[] {(byte) (port >> 8), (byte) port};
            }
            case DNS, DNS4, DNS6 -> {
                byte[] b = v.getBytes(StandardCharsets.UTF_8);
                validate(p, b);
                return b;
            }
            case P2P -> {
                return PeerId.parse(v).multihash();
            }
            default -> throw new MultiformatException("unsupported protocol " + p);
        }
    }

    private static void validate(Protocol p, byte[] v) {
        switch (p) {
            case DNS, DNS4, DNS6 -> {
                if (v.length == 0 || v.length > 255) {
                    throw new MultiformatException("invalid DNS name length " + v.length);
                }
                for (byte b : v) {
                    if (b == '/' || b < 0x21 || b == 0x7F) {
                        throw new MultiformatException("invalid character in DNS name");
                    }
                }
            }
            case P2P -> new PeerId(v);
            default -> {
            }
        }
    }

    /** RFC 5952 text form: lower case, longest run of two or more zero groups compressed. */
    static String ip6Text(byte[] a) {
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = ((a[2 * i] & 0xFF) << 8) | (a[2 * i + 1] & 0xFF);
        }
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < 8;) {
            if (g[i] == 0) {
                int j = i;
                while (j < 8 && g[j] == 0) {
                    j++;
                }
                if (j - i > bestLen && j - i >= 2) {
                    bestStart = i;
                    bestLen = j - i;
                }
                i = j;
            } else {
                i++;
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }
}

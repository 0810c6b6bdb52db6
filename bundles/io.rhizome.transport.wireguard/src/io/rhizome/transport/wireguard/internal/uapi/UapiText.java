package io.rhizome.transport.wireguard.internal.uapi;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/** Address forms of the UAPI text protocol, parsed without name lookups. */
public final class UapiText {

    private UapiText() {
    }

    /** A literal IPv4 (dotted quad) or IPv6 address; anything else is refused, never resolved. */
    public static InetAddress literalAddress(String text) {
        String t = text.strip();
        boolean v4 = t.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean v6 = t.contains(":") && t.matches("[0-9a-fA-F:.]+");
        if (!v4 && !v6) {
            throw new IllegalArgumentException("not a literal IP address: " + text);
        }
        try {
            return InetAddress.getByName(t);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not a literal IP address: " + text, e);
        }
    }

    /** {@code 10.0.0.1:51820} or {@code [fd00::1]:51820}. */
    public static InetSocketAddress parseEndpoint(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("an endpoint is host:port or [v6]:port, not " + text);
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException("an IPv6 endpoint is written [address]:port, not " + text);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the port of endpoint " + text + " is not a number");
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("the port of endpoint " + text + " is outside 1..65535");
        }
        return new InetSocketAddress(literalAddress(host), port);
    }

    public static String formatEndpoint(InetSocketAddress endpoint) {
        InetAddress a = endpoint.getAddress();
        if (a == null) {
            throw new IllegalArgumentException("an endpoint needs a resolved address: " + endpoint);
        }
        String host = format(a);
        return (a instanceof Inet6Address ? "[" + host + "]" : host) + ":" + endpoint.getPort();
    }

    /**
     * An address as people and {@code wg}/{@code ip} print it: IPv6 in the RFC 5952 short form
     * ({@code fd00::1}, the longest run of zero groups folded), never with a scope id.
     */
    public static String format(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return address.getHostAddress();
        }
        byte[] b = address.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1; // a single zero group is not folded
        for (int i = 0; i < 8; i++) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = Math.max(i, j);
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[i]));
        }
        return out.toString();
    }
}

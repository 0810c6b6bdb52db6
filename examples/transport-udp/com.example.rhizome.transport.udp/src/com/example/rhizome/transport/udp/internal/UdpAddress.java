package com.example.rhizome.transport.udp.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The address syntax of this transport: {@code IPv4:PORT} or {@code [IPv6]:PORT}, IP literals only
 * (a host name would need a DNS lookup, which can block a caller for seconds).
 */
final class UdpAddress {

    private static final Pattern V4 = Pattern.compile("(\\d{1,3}(?:\\.\\d{1,3}){3}):(\\d{1,5})");
    private static final Pattern V6 = Pattern.compile("\\[([0-9A-Fa-f:.]+)\\]:(\\d{1,5})");

    private UdpAddress() {
    }

    /** @throws IllegalArgumentException saying what is wrong with {@code text} */
    static InetSocketAddress parse(String text) {
        Matcher m = V4.matcher(text == null ? "" : text.strip());
        if (!m.matches()) {
            m = V6.matcher(text == null ? "" : text.strip());
        }
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a udp address: expected IPv4:PORT (127.0.0.1:7410) or [IPv6]:PORT ([::1]:7410)");
        }
        int port = Integer.parseInt(m.group(2));
        if (port > 65_535) {
            throw new IllegalArgumentException("'" + text + "': the port must be 0 to 65535");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(m.group(1)), port); // a literal: no lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + text + "' is not a valid IP address", e);
        }
    }

    static String format(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}

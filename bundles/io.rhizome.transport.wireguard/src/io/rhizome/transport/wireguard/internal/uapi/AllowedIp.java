package io.rhizome.transport.wireguard.internal.uapi;

import java.net.InetAddress;

/** An allowed-IP range of a peer: an address and a prefix length ({@code fd12::5/128}). */
public record AllowedIp(InetAddress address, int prefixLength) {

    public AllowedIp {
        int max = address.getAddress().length * 8;
        if (prefixLength < 0 || prefixLength > max) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " is outside 0.." + max + " for " + address.getHostAddress());
        }
    }

    /** One address as a host route (/32 or /128). */
    public static AllowedIp host(InetAddress address) {
        return new AllowedIp(address, address.getAddress().length * 8);
    }

    /** Parses {@code address/prefix} with a literal address (no name lookup). */
    public static AllowedIp parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("an allowed IP is address/prefix, not " + text);
        }
        InetAddress address = UapiText.literalAddress(text.substring(0, slash));
        int prefix;
        try {
            prefix = Integer.parseInt(text.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the prefix length of " + text + " is not a number");
        }
        return new AllowedIp(address, prefix);
    }

    @Override
    public String toString() {
        return UapiText.format(address) + "/" + prefixLength;
    }
}

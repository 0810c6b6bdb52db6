package io.rhizome.transport.wireguard.internal.uapi;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads the answer to {@code get=1}: {@code key=value} lines, interface keys first, then one block
 * per peer opened by {@code public_key=}, ended by {@code errno=N} and an empty line. Keys it does
 * not know are skipped (the protocol adds keys over time); a known key with a bad value, a peer
 * key before any {@code public_key}, or a missing {@code errno} line is a protocol error.
 */
public final class UapiParser {

    private UapiParser() {
    }

    /** The errno line of an answer; throws when the answer has none. */
    public static int errno(List<String> lines) throws UapiException {
        for (int i = lines.size() - 1; i >= 0; i--) {
            String line = lines.get(i);
            if (line.startsWith("errno=")) {
                try {
                    return Integer.parseInt(line.substring("errno=".length()));
                } catch (NumberFormatException e) {
                    throw new UapiException("the WireGuard answer has a bad errno line: " + line, -1);
                }
            }
        }
        throw new UapiException("the WireGuard answer has no errno line", -1);
    }

    public static DeviceState device(List<String> lines) throws UapiException {
        int errno = errno(lines);
        if (errno != 0) {
            throw new UapiException("WireGuard refused get=1 with errno " + errno, errno);
        }
        Optional<WgKey> publicKey = Optional.empty();
        int listenPort = 0;
        List<PeerState> peers = new ArrayList<>();
        PeerBuilder peer = null;
        for (String line : lines) {
            if (line.isEmpty() || line.startsWith("errno=")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new UapiException("the WireGuard answer has a line that is not key=value: " + line, -1);
            }
            String key = line.substring(0, eq);
            String value = line.substring(eq + 1);
            try {
                switch (key) {
                    case "private_key" -> publicKey = Optional.of(WgKey.fromHex(value).publicKey());
                    case "listen_port" -> listenPort = Integer.parseInt(value);
                    case "public_key" -> {
                        if (peer != null) {
                            peers.add(peer.build());
                        }
                        peer = new PeerBuilder(WgKey.fromHex(value));
                    }
                    case "endpoint" -> need(peer, key).endpoint = Optional.of(UapiText.parseEndpoint(value));
                    case "last_handshake_time_sec" -> need(peer, key).handshakeSec = Long.parseLong(value);
                    case "last_handshake_time_nsec" -> need(peer, key).handshakeNsec = Long.parseLong(value);
                    case "rx_bytes" -> need(peer, key).rx = Long.parseLong(value);
                    case "tx_bytes" -> need(peer, key).tx = Long.parseLong(value);
                    case "persistent_keepalive_interval" -> need(peer, key).keepalive = Integer.parseInt(value);
                    case "allowed_ip" -> need(peer, key).allowedIps.add(AllowedIp.parse(value));
                    default -> {
                        // fwmark, preshared_key, protocol_version and keys of later protocol versions
                    }
                }
            } catch (IllegalArgumentException e) {
                throw new UapiException("the WireGuard answer has a bad value in " + key + "=...: " + e.getMessage(), -1);
            }
        }
        if (peer != null) {
            peers.add(peer.build());
        }
        return new DeviceState(publicKey, listenPort, peers);
    }

    private static PeerBuilder need(PeerBuilder peer, String key) throws UapiException {
        if (peer == null) {
            throw new UapiException("the WireGuard answer has " + key + " before any public_key", -1);
        }
        return peer;
    }

    private static final class PeerBuilder {
        final WgKey key;
        Optional<InetSocketAddress> endpoint = Optional.empty();
        long handshakeSec;
        long handshakeNsec;
        long rx;
        long tx;
        int keepalive;
        final List<AllowedIp> allowedIps = new ArrayList<>();

        PeerBuilder(WgKey key) {
            this.key = key;
        }

        PeerState build() {
            Optional<Instant> handshake = handshakeSec == 0 && handshakeNsec == 0 ? Optional.empty()
                    : Optional.of(Instant.ofEpochSecond(handshakeSec, handshakeNsec));
            return new PeerState(key, endpoint, handshake, rx, tx, keepalive, allowedIps);
        }
    }
}

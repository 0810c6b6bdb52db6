package com.example.rhizome.transport.udp.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The datagram formats. Every packet starts with its type (1 byte) and the connection id (8
 * bytes) the dialling side chose. Handshake packets are in the clear (their content is public keys
 * and signatures); every later packet is sealed ({@link Sealer}) and carries a 64-bit counter
 * after the connection id.
 *
 * <pre>
 * HELLO    1 | conn | version=1 | client ephemeral X25519 (32) | protocol length (2) | protocol | zero padding to 1200 bytes
 * WELCOME  2 | conn | server ephemeral (32) | server identity Ed25519 (32) | signature (64)
 * REFUSE   3 | conn | reason (UTF-8)
 * FINISH   4 | conn | client identity (32) | signature (64)
 * ACCEPTED 5 | conn | counter=0 | sealed(empty)                                        server → client
 * DATA     6 | conn | sequence number | sealed(flags (1) | fragment)                    flags: 1 last fragment, 2 close
 * ACK      7 | conn | counter | sealed(next expected sequence number (8))
 * ABORT    8 | conn | counter | sealed(reason (UTF-8))
 * </pre>
 *
 * HELLO is padded so that a spoofed one cannot make a node send more bytes than it received
 * (WELCOME is smaller): the node is no amplifier for reflection attacks.
 */
final class Packets {

    static final byte HELLO = 1;
    static final byte WELCOME = 2;
    static final byte REFUSE = 3;
    static final byte FINISH = 4;
    static final byte ACCEPTED = 5;
    static final byte DATA = 6;
    static final byte ACK = 7;
    static final byte ABORT = 8;

    static final byte VERSION = 1;
    static final int HELLO_SIZE = 1200;
    static final int SEALED_HEADER = 17;
    static final int KEY = 32;
    static final int SIGNATURE = 64;

    /** Nonce spaces of {@link Sealer}. */
    static final byte SPACE_DATA = 0;
    static final byte SPACE_CONTROL = 1;
    static final byte SPACE_ACCEPT = 2;

    static final byte FLAG_LAST = 1;
    static final byte FLAG_CLOSE = 2;

    /** Largest datagram this transport sends or reads: a data packet stays below the IPv6 minimum MTU (1280) less headers. */
    static final int MAX_DATAGRAM = 1232;
    /** Bytes of a message per data packet. */
    static final int FRAGMENT = MAX_DATAGRAM - SEALED_HEADER - 1 - Sealer.TAG;

    private Packets() {
    }

    static byte type(byte[] p) {
        return p[0];
    }

    static long conn(byte[] p) {
        return ByteBuffer.wrap(p, 1, 8).getLong();
    }

    static long counter(byte[] p) {
        return ByteBuffer.wrap(p, 9, 8).getLong();
    }

    static byte[] hello(long conn, byte[] clientEphemeral, String protocol) {
        byte[] proto = protocol.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(HELLO_SIZE);
        b.put(HELLO).putLong(conn).put(VERSION).put(clientEphemeral).putShort((short) proto.length).put(proto);
        return b.array();
    }

    static byte[] welcome(long conn, byte[] serverEphemeral, byte[] serverIdentity, byte[] signature) {
        return ByteBuffer.allocate(9 + KEY + KEY + SIGNATURE).put(WELCOME).putLong(conn).put(serverEphemeral).put(serverIdentity)
                .put(signature).array();
    }

    static byte[] refuse(long conn, String reason) {
        byte[] r = reason.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(9 + Math.min(r.length, 300)).put(REFUSE).putLong(conn).put(r, 0, Math.min(r.length, 300)).array();
    }

    static byte[] finish(long conn, byte[] clientIdentity, byte[] signature) {
        return ByteBuffer.allocate(9 + KEY + SIGNATURE).put(FINISH).putLong(conn).put(clientIdentity).put(signature).array();
    }

    /** The cleartext header of a sealed packet. */
    static byte[] sealedHeader(byte type, long conn, long counter) {
        return ByteBuffer.allocate(SEALED_HEADER).put(type).putLong(conn).putLong(counter).array();
    }

    /** What the handshake signatures cover: both ephemeral keys, the connection and the protocol. */
    static byte[] transcript(long conn, byte[] clientEphemeral, byte[] serverEphemeral, String protocol) {
        byte[] proto = protocol.getBytes(StandardCharsets.UTF_8);
        byte[] label = "rhizome-udp-example/1".getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(label.length + 8 + KEY + KEY + 2 + proto.length).put(label).putLong(conn).put(clientEphemeral)
                .put(serverEphemeral).putShort((short) proto.length).put(proto).array();
    }

    static String text(byte[] p, int from, int to) {
        return new String(p, from, Math.max(0, to - from), StandardCharsets.UTF_8);
    }
}

package io.rhizome.transport.libp2p.internal.multiformats;

/** Malformed multiformat input (varint, multiaddr, multihash, peer id, protobuf): says what was wrong. */
public final class MultiformatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public MultiformatException(String message) {
        super(message);
    }
}

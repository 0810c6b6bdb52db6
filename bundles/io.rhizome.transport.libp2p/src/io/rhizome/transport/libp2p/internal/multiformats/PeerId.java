package io.rhizome.transport.libp2p.internal.multiformats;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A libp2p peer id: the multihash of the protobuf-encoded public key. Keys of at most 42 encoded
 * bytes (Ed25519) use the identity multihash, so the key can be recovered from the id. Text forms:
 * base58btc of the multihash (legacy, default, "12D3KooW...") and CIDv1 (codec libp2p-key) in
 * multibase base32 ("bafzaa...").
 *
 * @param multihash the multihash bytes (identity or sha2-256)
 */
public record PeerId(byte[] multihash) {

    /** libp2p KeyType.Ed25519. */
    public static final int KEY_TYPE_ED25519 = 1;
    private static final int IDENTITY = 0x00;
    private static final int SHA2_256 = 0x12;
    private static final int CID_V1 = 0x01;
    private static final int LIBP2P_KEY = 0x72;

    public PeerId {
        multihash = multihash.clone();
        validateMultihash(multihash);
    }

    @Override
    public byte[] multihash() {
        return multihash.clone();
    }

    /** The peer id of an Ed25519 public key. */
    public static PeerId fromEd25519(byte[] publicKey) {
        byte[] proto = encodeEd25519PublicKey(publicKey);
        byte[] mh = new byte[2 + proto.length];
        mh[0] = IDENTITY;
        mh[1] = (byte) proto.length;
        System.arraycopy(proto, 0, mh, 2, proto.length);
        return new PeerId(mh);
    }

    /** The libp2p protobuf PublicKey message for an Ed25519 key (Type=1, Data=key). */
    public static byte[] encodeEd25519PublicKey(byte[] publicKey) {
        if (publicKey.length != 32) {
            throw new MultiformatException("Ed25519 public key must be 32 bytes, got " + publicKey.length);
        }
        return new Protobuf.Writer().varint(1, KEY_TYPE_ED25519).bytes(2, publicKey).toByteArray();
    }

    /**
     * Decodes a libp2p protobuf PublicKey and returns the Ed25519 key bytes.
     *
     * @throws MultiformatException if malformed or not an Ed25519 key
     */
    public static byte[] decodeEd25519PublicKey(byte[] proto) {
        List<Protobuf.Field> fields = Protobuf.decode(proto);
        long type = -1;
        byte[] data = null;
        for (Protobuf.Field f : fields) {
            if (f.number() == 1 && f.wireType() == 0) {
                type = f.value();
            } else if (f.number() == 2 && f.wireType() == 2) {
                data = f.bytes();
            }
        }
        if (type != KEY_TYPE_ED25519) {
            throw new MultiformatException("unsupported libp2p key type " + type + " (only Ed25519 = 1 is supported)");
        }
        if (data == null || data.length != 32) {
            throw new MultiformatException("Ed25519 public key must be 32 bytes");
        }
        return data;
    }

    /** The Ed25519 public key embedded in an identity-multihash peer id. */
    public Optional<byte[]> ed25519PublicKey() {
        if (multihash[0] != IDENTITY) {
            return Optional.empty();
        }
        try {
            return Optional.of(decodeEd25519PublicKey(Arrays.copyOfRange(multihash, 2, multihash.length)));
        } catch (MultiformatException e) {
            return Optional.empty();
        }
    }

    /** Parses base58btc multihash ("12D3KooW...", "Qm...") or a CIDv1 libp2p-key in multibase. */
    public static PeerId parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new MultiformatException("empty peer id");
        }
        if (text.startsWith("1") || text.startsWith("Qm")) {
            return new PeerId(Base58.decode(text));
        }
        byte[] cid;
        switch (text.charAt(0)) {
            case 'b' -> cid = Base32.decode(text.substring(1));
            case 'z' -> cid = Base58.decode(text.substring(1));
            default -> throw new MultiformatException("unrecognised peer id text form: " + text);
        }
        long[] version = Varint.decode(cid, 0);
        if (version[0] != CID_V1) {
            throw new MultiformatException("peer id CID must be version 1, got " + version[0]);
        }
        long[] codec = Varint.decode(cid, (int) version[1]);
        if (codec[0] != LIBP2P_KEY) {
            throw new MultiformatException("peer id CID must use codec libp2p-key (0x72), got 0x" + Long.toHexString(codec[0]));
        }
        return new PeerId(Arrays.copyOfRange(cid, (int) (version[1] + codec[1]), cid.length));
    }

    /** The default text form: base58btc of the multihash. */
    public String toBase58() {
        return Base58.encode(multihash);
    }

    /** CIDv1 (libp2p-key) in multibase base32. */
    public String toCidString() {
        byte[] cid = new byte[2 + multihash.length];
        cid[0] = CID_V1;
        cid[1] = LIBP2P_KEY;
        System.arraycopy(multihash, 0, cid, 2, multihash.length);
        return "b" + Base32.encode(cid);
    }

    @Override
    public String toString() {
        return toBase58();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PeerId other && Arrays.equals(multihash, other.multihash);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(multihash);
    }

    private static void validateMultihash(byte[] mh) {
        long[] code = Varint.decode(mh, 0);
        long[] len = Varint.decode(mh, (int) code[1]);
        int header = (int) (code[1] + len[1]);
        if (mh.length - header != len[0]) {
            throw new MultiformatException("multihash length " + len[0] + " does not match " + (mh.length - header) + " digest bytes");
        }
        if (code[0] == IDENTITY) {
            if (len[0] > 42) {
                throw new MultiformatException("identity multihash peer ids hold at most 42 bytes");
            }
        } else if (code[0] == SHA2_256) {
            if (len[0] != 32) {
                throw new MultiformatException("sha2-256 multihash must be 32 bytes");
            }
        } else {
            throw new MultiformatException("unsupported multihash code 0x" + Long.toHexString(code[0]) + " in peer id");
        }
    }
}

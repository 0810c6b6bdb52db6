package io.rhizome.transport.wireguard.internal.uapi;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

import org.bouncycastle.math.ec.rfc7748.X25519;

/**
 * A Curve25519 key as WireGuard uses it: 32 bytes, hex on the UAPI socket, base64 in {@code wg(8)}
 * and in what people copy between machines. Immutable; the bytes are copied in and out.
 */
public final class WgKey {

    public static final int LENGTH = 32;

    private final byte[] bytes;

    private WgKey(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("a WireGuard key is " + LENGTH + " bytes, not " + bytes.length);
        }
        this.bytes = bytes.clone();
    }

    public static WgKey of(byte[] bytes) {
        return new WgKey(bytes);
    }

    /** A fresh private key, clamped as X25519 requires. */
    public static WgKey generatePrivate(SecureRandom random) {
        byte[] k = new byte[X25519.SCALAR_SIZE];
        X25519.generatePrivateKey(random, k);
        return new WgKey(k);
    }

    public static WgKey fromHex(String hex) {
        if (hex == null || hex.length() != 2 * LENGTH) {
            throw new IllegalArgumentException("a WireGuard key in hex has " + 2 * LENGTH + " digits: " + hex);
        }
        try {
            return new WgKey(HexFormat.of().parseHex(hex));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a hex WireGuard key: " + hex, e);
        }
    }

    public static WgKey fromBase64(String base64) {
        try {
            return new WgKey(Base64.getDecoder().decode(base64.strip()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a base64 WireGuard key (44 characters, as wg genkey prints): " + base64, e);
        }
    }

    /** The public key of this private key. */
    public WgKey publicKey() {
        byte[] pub = new byte[X25519.POINT_SIZE];
        X25519.scalarMultBase(bytes, 0, pub, 0);
        return new WgKey(pub);
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    public String hex() {
        return HexFormat.of().formatHex(bytes);
    }

    public String base64() {
        return Base64.getEncoder().encodeToString(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WgKey k && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    /** The base64 form: a public key is not secret, and a private key is never logged by this class's callers. */
    @Override
    public String toString() {
        return base64();
    }
}

package io.rhizome.spi.crypto;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The human-comparable fingerprint of a device's identity key, the one {@link KeyService#fingerprint()}
 * shows for this device and pairing shows for the others: the first 16 bytes of the SHA-256 of the
 * 32-byte Ed25519 public key, as 8 groups of 4 lower-case hex digits separated by one space, for
 * example {@code 21fe 31df a154 a261 626b f854 046f d227} (39 characters). Two people compare it
 * aloud or by eye, so it is the same on every device and never changes format within a major
 * version.
 *
 * @since 0.1
 */
public final class Fingerprints {

    private static final int DIGEST_BYTES = 16;
    private static final int GROUP = 4;

    private Fingerprints() {
    }

    /** The fingerprint of an Ed25519 public key (any length is hashed as given). */
    public static String of(byte[] publicKey) {
        String hex = HexFormat.of().formatHex(sha256(publicKey), 0, DIGEST_BYTES);
        StringBuilder sb = new StringBuilder(hex.length() + hex.length() / GROUP);
        for (int i = 0; i < hex.length(); i += GROUP) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(hex, i, i + GROUP);
        }
        return sb.toString();
    }

    /**
     * The fingerprint of the key a device id names (a device id is the public key in base64url
     * without padding).
     *
     * @throws IllegalArgumentException if {@code deviceId} is not base64url
     */
    public static String ofDeviceId(String deviceId) {
        byte[] key;
        try {
            key = Base64.getUrlDecoder().decode(deviceId);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a device id is a base64url public key, not '" + deviceId + "'", e);
        }
        return of(key);
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}

package io.rhizome.pairing.internal;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;

/** Device ids are base64url (no padding) Ed25519 public keys. */
final class DeviceIds {

    private DeviceIds() {
    }

    static boolean valid(String id) {
        if (id == null || id.length() != 43) {
            return false;
        }
        try {
            return Base64.getUrlDecoder().decode(id).length == 32;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The same fingerprint KeyService shows: first 16 bytes of SHA-256 of the key, 8 groups of 4 hex digits. */
    static String fingerprint(String id) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(Base64.getUrlDecoder().decode(id));
            String hex = HexFormat.of().formatHex(h, 0, 16);
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < hex.length(); i += 4) {
                if (i > 0) {
                    sb.append(' ');
                }
                sb.append(hex, i, i + 4);
            }
            return sb.toString();
        } catch (NoSuchAlgorithmException | IllegalArgumentException e) {
            return "?";
        }
    }
}

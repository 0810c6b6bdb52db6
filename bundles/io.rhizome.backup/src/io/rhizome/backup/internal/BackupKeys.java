package io.rhizome.backup.internal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The keys of a backup, all derived from the recovery key (itself HKDF of the 24 words' BIP39 seed),
 * so the words alone open a backup: no device key, no key store. HKDF-SHA256 (RFC 5869) with a
 * distinct info string per purpose; the recovery key is already uniform, so the extract step uses
 * a fixed salt only to keep the construction standard.
 */
public final class BackupKeys {

    private static final byte[] SALT = "rhizome/backup/v1".getBytes(StandardCharsets.UTF_8);

    private final byte[] chunkKey;
    private final byte[] manifestKey;
    private final byte[] check;

    private BackupKeys(byte[] chunkKey, byte[] manifestKey, byte[] check) {
        this.chunkKey = chunkKey;
        this.manifestKey = manifestKey;
        this.check = check;
    }

    /** Derives the keys from a 32-byte recovery key (not retained). */
    public static BackupKeys fromRecoveryKey(byte[] recoveryKey) {
        if (recoveryKey == null || recoveryKey.length != 32) {
            throw new IllegalArgumentException("a recovery key is 32 bytes");
        }
        byte[] prk = hmac(SALT, recoveryKey);
        try {
            return new BackupKeys(expand(prk, "chunks"), expand(prk, "manifest"),
                    Arrays.copyOf(expand(prk, "key-check"), 16));
        } finally {
            Arrays.fill(prk, (byte) 0);
        }
    }

    byte[] chunkKey() {
        return chunkKey;
    }

    byte[] manifestKey() {
        return manifestKey;
    }

    /**
     * A 16-byte value stored in each manifest so that wrong words are told apart from a damaged
     * manifest. It reveals nothing usable: the words carry 256 bits of entropy.
     */
    byte[] check() {
        return check.clone();
    }

    boolean checks(byte[] candidate) {
        return MessageDigest.isEqual(check, candidate);
    }

    private static byte[] expand(byte[] prk, String purpose) {
        // One block of HKDF-Expand: T(1) = HMAC(PRK, info || 0x01), 32 bytes.
        byte[] info = ("rhizome/backup/v1/" + purpose).getBytes(StandardCharsets.UTF_8);
        byte[] input = Arrays.copyOf(info, info.length + 1);
        input[info.length] = 1;
        return hmac(prk, input);
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java 17 runtime", e);
        }
    }
}

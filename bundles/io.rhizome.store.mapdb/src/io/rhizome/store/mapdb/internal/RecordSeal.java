package io.rhizome.store.mapdb.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals and opens the store's records under the per-home store key, and hides names behind a
 * keyed hash.
 *
 * <p>A sealed record is {@code 0x01 || nonce (24) || AES-256-GCM ciphertext || tag (16)}. The
 * nonce is random; the AES key of a record is HMAC-SHA256(seal key, "rec" || first 12 nonce bytes)
 * and its GCM IV the other 12, so no AES key ever seals more than a handful of records (the
 * random-nonce limit of plain AES-GCM, 2^32 messages per key, does not apply; the construction is
 * that of XAES-256-GCM with an HMAC in place of its CMAC). The associated data is the tree and the
 * key the record is stored under: a record copied or moved to another key, or another tree, does
 * not open. The seal key and the name key are HKDF-SHA256 (RFC 5869) expansions of the store key.
 *
 * <p>Thread-safe: each thread keeps its own {@link Cipher} and {@link Mac}.
 */
final class RecordSeal {

    static final int KEY_LENGTH = 32;
    private static final byte VERSION = 1;
    private static final int NONCE = 24;
    private static final int TAG_BITS = 128;
    private static final int OVERHEAD = 1 + NONCE + TAG_BITS / 8;
    private static final byte[] AD_PREFIX = "rhizome-store-record-v1".getBytes(StandardCharsets.US_ASCII);

    private final byte[] sealKey;
    private final byte[] nameKey;
    private final SecureRandom random = new SecureRandom();
    private final ThreadLocal<Mac> sealMacs;
    private final ThreadLocal<Mac> nameMacs;
    private final ThreadLocal<Cipher> ciphers = ThreadLocal.withInitial(() -> {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM has no AES/GCM: " + e, e);
        }
    });

    /** @param storeKey the 32-byte store key of the home (kept by the key service) */
    RecordSeal(byte[] storeKey) {
        if (storeKey == null || storeKey.length != KEY_LENGTH) {
            throw new IllegalArgumentException("a store key is " + KEY_LENGTH + " bytes");
        }
        this.sealKey = hkdf(storeKey, "rhizome store seal key v1");
        this.nameKey = hkdf(storeKey, "rhizome store name key v1");
        this.sealMacs = ThreadLocal.withInitial(() -> mac(sealKey));
        this.nameMacs = ThreadLocal.withInitial(() -> mac(nameKey));
    }

    /** Thrown when a record does not open: damaged, moved to another key, or sealed under another key. */
    static final class DamagedRecordException extends Exception {
        private static final long serialVersionUID = 1L;

        DamagedRecordException(String message) {
            super(message);
        }
    }

    byte[] seal(String tree, String key, byte[] plain) {
        byte[] out = new byte[OVERHEAD + plain.length];
        out[0] = VERSION;
        byte[] nonce = new byte[NONCE];
        random.nextBytes(nonce);
        System.arraycopy(nonce, 0, out, 1, NONCE);
        try {
            Cipher c = cipher(Cipher.ENCRYPT_MODE, nonce, tree, key);
            c.doFinal(plain, 0, plain.length, out, 1 + NONCE);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("sealing a record of " + tree + " failed: " + e, e);
        }
        return out;
    }

    /** Opens a record stored under {@code key} in {@code tree}. */
    byte[] open(String tree, String key, byte[] sealed) throws DamagedRecordException {
        if (sealed == null || sealed.length < OVERHEAD || sealed[0] != VERSION) {
            throw new DamagedRecordException("the record " + describe(tree, key) + " is damaged (not a sealed record of this version)");
        }
        byte[] nonce = Arrays.copyOfRange(sealed, 1, 1 + NONCE);
        try {
            Cipher c = cipher(Cipher.DECRYPT_MODE, nonce, tree, key);
            return c.doFinal(sealed, 1 + NONCE, sealed.length - 1 - NONCE);
        } catch (AEADBadTagException e) {
            throw new DamagedRecordException("the record " + describe(tree, key)
                    + " does not open: it was changed on disk, moved from another key, or sealed under another store key");
        } catch (GeneralSecurityException e) {
            throw new DamagedRecordException("the record " + describe(tree, key) + " does not open: " + e);
        }
    }

    private static String describe(String tree, String key) {
        return "'" + key + "' of " + tree;
    }

    /**
     * A keyed hash of {@code parts} (HMAC-SHA256 under the name key, 16 bytes, base64url): what a
     * map key holds instead of a name that must not show on disk.
     */
    String name(String... parts) {
        Mac mac = nameMacs.get();
        for (String part : parts) {
            byte[] b = part.getBytes(StandardCharsets.UTF_8);
            mac.update(ByteBuffer.allocate(4).putInt(b.length).array());
            mac.update(b);
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(mac.doFinal(), 16));
    }

    private Cipher cipher(int mode, byte[] nonce, String tree, String key) throws GeneralSecurityException {
        Mac mac = sealMacs.get();
        mac.update((byte) 'r');
        mac.update(nonce, 0, 12);
        byte[] recordKey = mac.doFinal();
        Cipher c = ciphers.get();
        c.init(mode, new SecretKeySpec(recordKey, "AES"), new GCMParameterSpec(TAG_BITS, nonce, 12, 12));
        Arrays.fill(recordKey, (byte) 0);
        c.updateAAD(AD_PREFIX);
        byte[] t = tree.getBytes(StandardCharsets.UTF_8);
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        c.updateAAD(ByteBuffer.allocate(8).putInt(t.length).putInt(k.length).array());
        c.updateAAD(t);
        c.updateAAD(k);
        return c;
    }

    private static Mac mac(byte[] key) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(key, "HmacSHA256"));
            return m;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM has no HmacSHA256: " + e, e);
        }
    }

    /** HKDF-SHA256 (RFC 5869) with an empty salt, 32 bytes of output. */
    private static byte[] hkdf(byte[] ikm, String info) {
        byte[] prk = mac(new byte[32]).doFinal(ikm);
        Mac expand = mac(prk);
        expand.update(info.getBytes(StandardCharsets.US_ASCII));
        expand.update((byte) 1);
        byte[] okm = expand.doFinal();
        Arrays.fill(prk, (byte) 0);
        return okm;
    }
}

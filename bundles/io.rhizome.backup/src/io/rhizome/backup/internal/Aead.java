package io.rhizome.backup.internal;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM from the JDK, so the backup bundle needs no crypto provider service to open a backup
 * on a device that has nothing but the words. A fresh random 96-bit nonce per seal; each backup key
 * seals one manifest and a few chunks per snapshot, far below GCM's 2^32 random-nonce budget.
 * Output: nonce (12) || ciphertext || tag (16).
 */
final class Aead {

    static final int NONCE = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Aead() {
    }

    static byte[] seal(byte[] key, byte[] aad, byte[] plain) {
        byte[] nonce = new byte[NONCE];
        RANDOM.nextBytes(nonce);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(aad);
            byte[] sealed = c.doFinal(plain);
            byte[] out = Arrays.copyOf(nonce, NONCE + sealed.length);
            System.arraycopy(sealed, 0, out, NONCE, sealed.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM is part of every Java 17 runtime", e);
        }
    }

    /** Opens a box; {@link AEADBadTagException} when key, associated data or bytes differ. */
    static byte[] open(byte[] key, byte[] aad, byte[] box, int offset) throws AEADBadTagException {
        if (box.length - offset < NONCE + TAG_BITS / 8) {
            throw new AEADBadTagException("box too short");
        }
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"),
                    new GCMParameterSpec(TAG_BITS, box, offset, NONCE));
            c.updateAAD(aad);
            return c.doFinal(box, offset + NONCE, box.length - offset - NONCE);
        } catch (AEADBadTagException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM is part of every Java 17 runtime", e);
        }
    }
}

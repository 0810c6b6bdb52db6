package io.rhizome.crypto.bc.internal;

import java.security.GeneralSecurityException;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM through the JDK's own provider, because its AES-NI/CLMUL intrinsics are several
 * times faster than Bouncy Castle's pure-Java GCM. One {@link Cipher} per thread: creating one per
 * call costs more than sealing a small change set.
 */
final class JdkAesGcm {

    private static final ThreadLocal<Cipher> CIPHER = ThreadLocal.withInitial(() -> {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no AES/GCM/NoPadding", e);
        }
    });

    private JdkAesGcm() {
    }

    static byte[] encrypt(byte[] key, byte[] nonce, byte[] plaintext, byte[] aad1, byte[] aad2) {
        try {
            Cipher c = CIPHER.get();
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
            c.updateAAD(aad1);
            c.updateAAD(aad2);
            return c.doFinal(plaintext);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM encryption failed", e);
        }
    }

    /** The plaintext, or null when authentication fails or the JDK rejects the input in any other way. */
    static byte[] decrypt(byte[] key, byte[] nonce, byte[] ciphertext, byte[] aad1, byte[] aad2) {
        Cipher c = CIPHER.get();
        try {
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
            c.updateAAD(aad1);
            c.updateAAD(aad2);
            return c.doFinal(ciphertext);
        } catch (GeneralSecurityException e) {
            // AEADBadTagException in practice; anything else about hostile input is the same verdict.
            return null;
        }
    }
}

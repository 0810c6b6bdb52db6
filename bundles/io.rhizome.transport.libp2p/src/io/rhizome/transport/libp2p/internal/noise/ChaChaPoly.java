package io.rhizome.transport.libp2p.internal.noise;

import java.security.GeneralSecurityException;

import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.modes.ChaCha20Poly1305;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * ChaCha20-Poly1305 (RFC 8439) for one key. Two interchangeable engines produce identical bytes: the
 * JDK's (SunJCE), which newer JVMs accelerate with CPU intrinsics, and Bouncy Castle's, used when
 * the JDK lacks the cipher. Not thread-safe.
 */
public abstract sealed class ChaChaPoly {

    /** Which engine {@link #create} uses; "bc" forces Bouncy Castle. */
    public static final String ENGINE_PROPERTY = "rhizome.libp2p.aead";

    public static ChaChaPoly create(byte[] key) {
        if (!"bc".equals(System.getProperty(ENGINE_PROPERTY)) && Jce.AVAILABLE) {
            return new Jce(key);
        }
        return new BouncyCastle(key);
    }

    public static ChaChaPoly bouncyCastle(byte[] key) {
        return new BouncyCastle(key);
    }

    public static ChaChaPoly jdk(byte[] key) {
        return new Jce(key);
    }

    /** Encrypts and appends the 16-byte tag; returns bytes written. */
    abstract int seal(byte[] nonce, byte[] ad, byte[] in, int off, int len, byte[] out, int outOff) throws NoiseException;

    /** Authenticates and decrypts; returns plaintext bytes written. */
    abstract int open(byte[] nonce, byte[] ad, byte[] in, int off, int len, byte[] out, int outOff) throws NoiseException;

    public abstract String engine();

    static final class Jce extends ChaChaPoly {
        static final boolean AVAILABLE = available();
        private final SecretKeySpec key;
        private final Cipher cipher;

        Jce(byte[] k) {
            key = new SecretKeySpec(k, "ChaCha20");
            try {
                cipher = Cipher.getInstance("ChaCha20-Poly1305");
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("JDK lacks ChaCha20-Poly1305", e);
            }
        }

        private static boolean available() {
            try {
                Cipher.getInstance("ChaCha20-Poly1305");
                return true;
            } catch (GeneralSecurityException e) {
                return false;
            }
        }

        @Override
        int seal(byte[] nonce, byte[] ad, byte[] in, int off, int len, byte[] out, int outOff) throws NoiseException {
            try {
                cipher.init(Cipher.ENCRYPT_MODE, key, new IvParameterSpec(nonce));
                if (ad.length > 0) {
                    cipher.updateAAD(ad);
                }
                return cipher.doFinal(in, off, len, out, outOff);
            } catch (GeneralSecurityException e) {
                throw new NoiseException("encryption failed: " + e.getMessage(), e);
            }
        }

        @Override
        int open(byte[] nonce, byte[] ad, byte[] in, int off, int len, byte[] out, int outOff) throws NoiseException {
            try {
                cipher.init(Cipher.DECRYPT_MODE, key, new IvParameterSpec(nonce));
                if (ad.length > 0) {
                    cipher.updateAAD(ad);
                }
                return cipher.doFinal(in, off, len, out, outOff);
            } catch (javax.crypto.AEADBadTagException e) {
                forgetNonce();
                throw new NoiseException("message authentication failed");
            } catch (GeneralSecurityException e) {
                forgetNonce();
                throw new NoiseException("decryption failed: " + e.getMessage(), e);
            }
        }

        /**
         * SunJCE refuses to initialise twice in a row with the same key and nonce, but Noise retries
         * the same nonce after a failed decryption; a nonce Noise never uses (non-zero first bytes)
         * in between clears that.
         */
        private void forgetNonce() {
            try {
                cipher.init(Cipher.DECRYPT_MODE, key, new IvParameterSpec(UNUSED_NONCE));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        private static final byte[] UNUSED_NONCE = {-1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

        @Override
        public String engine() {
            return "jdk";
        }
    }

    static final class BouncyCastle extends ChaChaPoly {
        private final ChaCha20Poly1305 aead = new ChaCha20Poly1305();
        private final KeyParameter key;

        BouncyCastle(byte[] k) {
            key = new KeyParameter(k);
        }

        @Override
        int seal(byte[] nonce, byte[] ad, byte[] in, int off, int len, byte[] out, int outOff) throws NoiseException {
            aead.init(true, new AEADParameters(key, 128, nonce, ad));
            int n = aead.processBytes(in, off, len, out, outOff);
            try {
                return n + aead.doFinal(out, outOff + n);
            } catch (InvalidCipherTextException e) {
                throw new NoiseException("encryption failed", e);
            }
        }

        @Override
        int open(byte[] nonce, byte[] ad, byte[] in, int off, int len, byte[] out, int outOff) throws NoiseException {
            aead.init(false, new AEADParameters(key, 128, nonce, ad));
            int n = aead.processBytes(in, off, len, out, outOff);
            try {
                return n + aead.doFinal(out, outOff + n);
            } catch (InvalidCipherTextException e) {
                throw new NoiseException("message authentication failed");
            }
        }

        @Override
        public String engine() {
            return "bouncycastle";
        }
    }
}

package io.rhizome.crypto.jca.internal;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.EdECPoint;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.EdECPublicKeySpec;
import java.security.spec.NamedParameterSpec;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import io.rhizome.spi.crypto.AeadAlgorithm;
import io.rhizome.spi.crypto.CryptoException;
import io.rhizome.spi.crypto.EncryptionProvider;
import io.rhizome.spi.crypto.KeyLookup;
import io.rhizome.spi.crypto.KeyService.MeshKey;
import io.rhizome.spi.crypto.SealedBox;
import io.rhizome.spi.crypto.TamperedException;
import io.rhizome.spi.crypto.UnknownKeyEpochException;
import io.rhizome.spi.crypto.UnsupportedAlgorithmException;

/**
 * A provider that uses only the JDK's own security providers (SunJCE, SunEC): AES-256-GCM,
 * Ed25519, HKDF-SHA256 built on HmacSHA256 (RFC 5869). For deployments that must not load
 * third-party cryptography; it has no XChaCha20-Poly1305 and rejects such boxes by name.
 * Plain class, thread-safe.
 */
public final class JcaEncryptionProvider implements EncryptionProvider {

    public static final String NAME = "jca";

    private static final ThreadLocal<Cipher> GCM = ThreadLocal.withInitial(() -> instance(() -> Cipher.getInstance("AES/GCM/NoPadding")));
    private static final ThreadLocal<Signature> ED25519 = ThreadLocal.withInitial(() -> instance(() -> Signature.getInstance("Ed25519")));
    private static final ThreadLocal<KeyFactory> ED_KEYS = ThreadLocal.withInitial(() -> instance(() -> KeyFactory.getInstance("Ed25519")));
    private static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));

    private final SecureRandom random;

    public JcaEncryptionProvider(SecureRandom random) {
        this.random = Objects.requireNonNull(random);
    }

    public JcaEncryptionProvider() {
        this(new SecureRandom());
    }

    private interface Factory<T> {
        T create() throws GeneralSecurityException;
    }

    private static <T> T instance(Factory<T> f) {
        try {
            return f.create();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks a required algorithm", e);
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<AeadAlgorithm> aeadAlgorithms() {
        return EnumSet.of(AeadAlgorithm.AES_256_GCM);
    }

    @Override
    public AeadAlgorithm defaultAlgorithm() {
        return AeadAlgorithm.AES_256_GCM;
    }

    private static UnsupportedAlgorithmException unsupported(AeadAlgorithm algorithm) {
        return new UnsupportedAlgorithmException(algorithm + " is not available in crypto.provider=" + NAME
                + " (JDK only; it implements AES-256-GCM). Use crypto.provider=bc to open or seal " + algorithm + ".");
    }

    @Override
    public byte[] seal(AeadAlgorithm algorithm, MeshKey key, byte[] plaintext, byte[] associatedData) throws CryptoException {
        if (algorithm != AeadAlgorithm.AES_256_GCM) {
            throw unsupported(algorithm);
        }
        if (plaintext.length > SealedBox.MAX_LENGTH - 64) {
            throw new CryptoException("plaintext of " + plaintext.length + " bytes exceeds the sealed-box limit");
        }
        byte[] header = SealedBox.header(algorithm, key.epoch());
        byte[] out = new byte[header.length + 12 + plaintext.length + 16];
        System.arraycopy(header, 0, out, 0, header.length);
        byte[] nonce = new byte[12];
        random.nextBytes(nonce);
        System.arraycopy(nonce, 0, out, header.length, 12);
        try {
            Cipher c = GCM.get();
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key.key(), "AES"), new GCMParameterSpec(128, nonce));
            c.updateAAD(header);
            c.updateAAD(associatedData);
            c.doFinal(plaintext, 0, plaintext.length, out, header.length + 12);
        } catch (GeneralSecurityException e) {
            throw new CryptoException("AES-256-GCM encryption failed: " + e.getMessage(), e);
        }
        return out;
    }

    @Override
    public byte[] open(KeyLookup keys, byte[] sealed, byte[] associatedData) throws CryptoException {
        SealedBox box = SealedBox.decode(sealed);
        if (box.algorithm() != AeadAlgorithm.AES_256_GCM) {
            throw unsupported(box.algorithm());
        }
        if (associatedData == null) {
            throw new TamperedException("associated data is missing");
        }
        MeshKey key = keys.key(box.epoch()).orElseThrow(() -> new UnknownKeyEpochException(
                "sealed under mesh key epoch " + box.epoch() + ", which this node does not have"));
        try {
            Cipher c = GCM.get();
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key.key(), "AES"), new GCMParameterSpec(128, box.nonce()));
            c.updateAAD(box.header());
            c.updateAAD(associatedData);
            int off = SealedBox.HEADER_LENGTH + 12;
            return c.doFinal(sealed, off, sealed.length - off);
        } catch (AEADBadTagException e) {
            throw new TamperedException(box.algorithm() + " box (epoch " + box.epoch()
                    + ") failed authentication: it was modified, its associated data differs, or the key is wrong");
        } catch (GeneralSecurityException e) {
            throw new TamperedException("AES-256-GCM box could not be opened: " + e.getMessage(), e);
        }
    }

    @Override
    public byte[] sign(byte[] privateKey, byte[] message) throws CryptoException {
        if (privateKey == null || privateKey.length != 32) {
            throw new CryptoException("an Ed25519 private key is 32 bytes");
        }
        try {
            PrivateKey key = ED_KEYS.get().generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, privateKey));
            Signature s = ED25519.get();
            s.initSign(key);
            s.update(message);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new CryptoException("Ed25519 signing failed: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean verify(byte[] publicKey, byte[] message, byte[] signature) {
        if (publicKey == null || message == null || signature == null || publicKey.length != 32 || signature.length != SIGNATURE_LENGTH) {
            return false;
        }
        try {
            Signature s = ED25519.get();
            s.initVerify(decodePublicKey(publicKey));
            s.update(message);
            return s.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /**
     * RFC 8032 section 5.1.3 encoding: y little-endian in 255 bits, the top bit is the sign of x.
     * The JDK wants the point as (xOdd, y); it checks the point itself when verifying.
     */
    static PublicKey decodePublicKey(byte[] encoded) throws GeneralSecurityException {
        byte[] be = new byte[32];
        for (int i = 0; i < 32; i++) {
            be[i] = encoded[31 - i];
        }
        boolean xOdd = (be[0] & 0x80) != 0;
        be[0] &= 0x7f;
        BigInteger y = new BigInteger(1, be);
        if (y.compareTo(P) >= 0) {
            throw new GeneralSecurityException("non-canonical Ed25519 public key");
        }
        return ED_KEYS.get().generatePublic(new EdECPublicKeySpec(NamedParameterSpec.ED25519, new EdECPoint(xOdd, y)));
    }

    @Override
    public byte[] deriveKey(byte[] inputKeyMaterial, byte[] salt, byte[] info, int length) throws CryptoException {
        if (length < 1 || length > 255 * 32) {
            throw new CryptoException("HKDF-SHA256 output length must be 1.." + 255 * 32 + ", got " + length);
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            byte[] s = salt == null || salt.length == 0 ? new byte[32] : salt;
            mac.init(new SecretKeySpec(s, "HmacSHA256"));
            byte[] prk = mac.doFinal(inputKeyMaterial);
            mac.init(new SecretKeySpec(prk, "HmacSHA256"));
            ByteBuffer okm = ByteBuffer.allocate(length);
            byte[] t = new byte[0];
            for (int i = 1; okm.hasRemaining(); i++) {
                mac.update(t);
                if (info != null) {
                    mac.update(info);
                }
                mac.update((byte) i);
                t = mac.doFinal();
                okm.put(t, 0, Math.min(t.length, okm.remaining()));
            }
            Arrays.fill(prk, (byte) 0);
            return okm.array();
        } catch (GeneralSecurityException e) {
            throw new CryptoException("HKDF-SHA256 failed: " + e.getMessage(), e);
        }
    }

    @Override
    public byte[] randomBytes(int length) {
        byte[] b = new byte[length];
        random.nextBytes(b);
        return b;
    }
}

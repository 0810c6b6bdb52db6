package io.rhizome.crypto.bc.internal;

import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

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
 * The Bouncy Castle provider: XChaCha20-Poly1305 (default) and AES-256-GCM, Ed25519 (RFC 8032),
 * HKDF-SHA256. Plain class, usable without OSGi; thread-safe.
 */
public final class BcEncryptionProvider implements EncryptionProvider {

    public static final String NAME = "bc";

    private final SecureRandom random;
    private final AeadAlgorithm defaultAlgorithm;

    public BcEncryptionProvider(SecureRandom random, AeadAlgorithm defaultAlgorithm) {
        this.random = Objects.requireNonNull(random);
        this.defaultAlgorithm = Objects.requireNonNull(defaultAlgorithm);
        Ed25519.precompute();
    }

    public BcEncryptionProvider() {
        this(new SecureRandom(), AeadAlgorithm.XCHACHA20_POLY1305);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<AeadAlgorithm> aeadAlgorithms() {
        return EnumSet.allOf(AeadAlgorithm.class);
    }

    @Override
    public AeadAlgorithm defaultAlgorithm() {
        return defaultAlgorithm;
    }

    @Override
    public byte[] seal(AeadAlgorithm algorithm, MeshKey key, byte[] plaintext, byte[] associatedData) throws CryptoException {
        Objects.requireNonNull(algorithm, "algorithm");
        if (plaintext.length > SealedBox.MAX_LENGTH - 64) {
            throw new CryptoException("plaintext of " + plaintext.length + " bytes exceeds the sealed-box limit");
        }
        byte[] nonce = new byte[algorithm.nonceLength()];
        random.nextBytes(nonce);
        byte[] header = SealedBox.header(algorithm, key.epoch());
        byte[] k = key.key();
        byte[] ct = switch (algorithm) {
            case XCHACHA20_POLY1305 -> XChaCha20Poly1305.encrypt(k, nonce, plaintext, header, associatedData);
            case AES_256_GCM -> JdkAesGcm.encrypt(k, nonce, plaintext, header, associatedData);
        };
        java.util.Arrays.fill(k, (byte) 0);
        byte[] out = new byte[header.length + nonce.length + ct.length];
        System.arraycopy(header, 0, out, 0, header.length);
        System.arraycopy(nonce, 0, out, header.length, nonce.length);
        System.arraycopy(ct, 0, out, header.length + nonce.length, ct.length);
        return out;
    }

    @Override
    public byte[] open(KeyLookup keys, byte[] sealed, byte[] associatedData) throws CryptoException {
        SealedBox box = SealedBox.decode(sealed);
        if (associatedData == null) {
            throw new TamperedException("associated data is missing");
        }
        MeshKey key = keys.key(box.epoch()).orElseThrow(() -> new UnknownKeyEpochException(
                "sealed under mesh key epoch " + box.epoch() + ", which this node does not have"));
        byte[] k = key.key();
        try {
            byte[] plain = switch (box.algorithm()) {
                case XCHACHA20_POLY1305 -> XChaCha20Poly1305.decrypt(k, box.nonce(), box.ciphertext(), box.header(), associatedData);
                case AES_256_GCM -> JdkAesGcm.decrypt(k, box.nonce(), box.ciphertext(), box.header(), associatedData);
            };
            if (plain == null) {
                throw tampered(box);
            }
            return plain;
        } catch (InvalidCipherTextException e) {
            throw tampered(box);
        } finally {
            java.util.Arrays.fill(k, (byte) 0);
        }
    }

    private static TamperedException tampered(SealedBox box) {
        return new TamperedException(box.algorithm() + " box (epoch " + box.epoch()
                + ") failed authentication: it was modified, its associated data differs, or the key is wrong");
    }

    @Override
    public byte[] sign(byte[] privateKey, byte[] message) throws CryptoException {
        if (privateKey == null || privateKey.length != Ed25519.SECRET_KEY_SIZE) {
            throw new CryptoException("an Ed25519 private key is " + Ed25519.SECRET_KEY_SIZE + " bytes");
        }
        byte[] sig = new byte[Ed25519.SIGNATURE_SIZE];
        Ed25519.sign(privateKey, 0, message, 0, message.length, sig, 0);
        return sig;
    }

    /** Signs with a cached public key, sparing the scalar multiplication that recomputes it. */
    public static byte[] sign(byte[] privateKey, byte[] publicKey, byte[] message) {
        byte[] sig = new byte[Ed25519.SIGNATURE_SIZE];
        Ed25519.sign(privateKey, 0, publicKey, 0, message, 0, message.length, sig, 0);
        return sig;
    }

    @Override
    public boolean verify(byte[] publicKey, byte[] message, byte[] signature) {
        if (publicKey == null || message == null || signature == null || publicKey.length != Ed25519.PUBLIC_KEY_SIZE
                || signature.length != Ed25519.SIGNATURE_SIZE) {
            return false;
        }
        try {
            return Ed25519.verify(signature, 0, publicKey, 0, message, 0, message.length);
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public byte[] deriveKey(byte[] inputKeyMaterial, byte[] salt, byte[] info, int length) throws CryptoException {
        if (length < 1 || length > 255 * 32) {
            throw new CryptoException("HKDF-SHA256 output length must be 1.." + 255 * 32 + ", got " + length);
        }
        return hkdf(inputKeyMaterial, salt, info, length);
    }

    static byte[] hkdf(byte[] ikm, byte[] salt, byte[] info, int length) {
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(ikm, salt, info));
        byte[] out = new byte[length];
        hkdf.generateBytes(out, 0, length);
        return out;
    }

    @Override
    public byte[] randomBytes(int length) {
        byte[] b = new byte[length];
        random.nextBytes(b);
        return b;
    }
}

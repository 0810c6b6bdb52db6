package io.rhizome.spi.crypto;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import org.osgi.annotation.versioning.ConsumerType;

import io.rhizome.spi.crypto.KeyService.MeshKey;

/**
 * Authenticated encryption, signatures and key derivation, contributed as an OSGi service.
 *
 * <p><b>Registration:</b> with {@value #PROVIDER_PROPERTY} naming the implementation (for example
 * {@code bc} or {@code jca}) and a {@code service.ranking}. The engine uses the one with the highest
 * ranking unless its configuration targets another ({@code provider.target}); rankings are
 * configurable through ConfigAdmin, so swapping a provider never needs code.
 *
 * <p><b>Wire format:</b> every sealed value is a {@link SealedBox} (version, algorithm id, key
 * epoch, nonce, ciphertext+tag); the box header is authenticated together with the caller's
 * associated data. Change sets and batches are composed from the primitives by the default methods
 * of this interface, which are normative: providers must not override them with another format.
 *
 * <p><b>Threading:</b> implementations are thread-safe and keep no state apart from their random
 * source; any thread may call any method concurrently.
 *
 * <p><b>Failure:</b> the opening methods throw only {@link CryptoException} subtypes, never a
 * runtime exception for bad input:
 * <ul>
 * <li>{@link TamperedException}: authentication failed. The ciphertext, header, associated data or
 * signature was changed, the box is malformed or of a hostile length, or the key is wrong. AEAD
 * cannot tell a wrong key from tampering, so "wrong key" is reported as tampering too.</li>
 * <li>{@link UnknownKeyEpochException}: the box was sealed under an epoch the {@link KeyLookup}
 * does not have (this node has not received that mesh key yet).</li>
 * <li>{@link UnsupportedAlgorithmException}: the box (or a seal request) names an algorithm this
 * provider lacks; the message names it.</li>
 * </ul>
 * Sealing methods throw {@link UnsupportedAlgorithmException} for an algorithm this provider lacks
 * and {@link IllegalArgumentException} for programming errors (wrong key length, mismatched lists).
 *
 * <p><b>Versioning:</b> Implemented by crypto plugins ({@code io.rhizome.crypto.bc}, {@code .jca})
 * and called by the engine and pairing: {@code @ConsumerType}: adding a method to it is a major
 * change of this package.
 *
 * @since 0.1
 */
@ConsumerType
public interface EncryptionProvider {

    /** The service property that names a provider. */
    String PROVIDER_PROPERTY = "crypto.provider";

    /** Length of an Ed25519 signature. */
    int SIGNATURE_LENGTH = 64;

    /** The provider's name, equal to its {@value #PROVIDER_PROPERTY} property. */
    String name();

    /** The AEAD algorithms this provider implements. */
    Set<AeadAlgorithm> aeadAlgorithms();

    /** The algorithm this provider uses when the caller has no preference. */
    AeadAlgorithm defaultAlgorithm();

    /**
     * Encrypts and authenticates {@code plaintext} under {@code key}, binding {@code associatedData}
     * and the box header. A fresh random nonce is drawn for every call.
     *
     * @return the encoded {@link SealedBox}
     * @throws UnsupportedAlgorithmException if this provider lacks {@code algorithm}
     * @throws CryptoException               if the plaintext exceeds the box size limit
     */
    byte[] seal(AeadAlgorithm algorithm, MeshKey key, byte[] plaintext, byte[] associatedData) throws CryptoException;

    /**
     * Opens a box made by {@link #seal} of this or any interoperating provider.
     *
     * @throws TamperedException             if authentication fails or the box is malformed
     * @throws UnknownKeyEpochException      if {@code keys} has no key for the box's epoch
     * @throws UnsupportedAlgorithmException if the box uses an algorithm this provider lacks
     */
    byte[] open(KeyLookup keys, byte[] sealed, byte[] associatedData) throws CryptoException;

    /** Ed25519 (RFC 8032) signature of {@code message} with a 32-byte private seed. */
    byte[] sign(byte[] privateKey, byte[] message) throws CryptoException;

    /**
     * Whether {@code signature} is a valid Ed25519 signature of {@code message} by {@code publicKey};
     * false (never an exception) for keys or signatures of the wrong length.
     */
    boolean verify(byte[] publicKey, byte[] message, byte[] signature);

    /** HKDF-SHA256 (RFC 5869); {@code length} at most 255 * 32. */
    byte[] deriveKey(byte[] inputKeyMaterial, byte[] salt, byte[] info, int length) throws CryptoException;

    /** Cryptographically secure random bytes. */
    byte[] randomBytes(int length);

    // ---- change sets: sign, then encrypt ----------------------------------------------------

    /**
     * Signs then encrypts one change set. The author signs
     * {@code "rhizome/change-set-sig/v1" || u32 len(ad) || ad || payload} with
     * {@code ad = context.associatedData()}; the box holds {@code signature || payload} and is
     * sealed with {@code ad} as associated data, so neither the signature nor anything that
     * would let an outsider confirm a guessed payload is visible.
     *
     * @throws IllegalArgumentException if {@code key.epoch() != context.epoch()}
     */
    default byte[] sealChangeSet(AeadAlgorithm algorithm, MeshKey key, ChangeSetContext context, Signer author, byte[] payload)
            throws CryptoException {
        if (key.epoch() != context.epoch()) {
            throw new IllegalArgumentException("key epoch " + key.epoch() + " differs from context epoch " + context.epoch());
        }
        byte[] ad = context.associatedData();
        byte[] signature = author.sign(ChangeSetFormat.signedMessage(ad, payload));
        if (signature == null || signature.length != SIGNATURE_LENGTH) {
            throw new CryptoException("signer returned no 64-byte Ed25519 signature");
        }
        byte[] inner = new byte[SIGNATURE_LENGTH + payload.length];
        System.arraycopy(signature, 0, inner, 0, SIGNATURE_LENGTH);
        System.arraycopy(payload, 0, inner, SIGNATURE_LENGTH, payload.length);
        return seal(algorithm, key, inner, ad);
    }

    /**
     * Opens a change set made by {@link #sealChangeSet} and verifies the author's signature with
     * {@code context.authorDevice()}.
     *
     * @return the payload
     * @throws TamperedException if decryption or the signature fails, or the box's epoch is not the
     *                           context's
     */
    default byte[] openChangeSet(KeyLookup keys, ChangeSetContext context, byte[] sealed) throws CryptoException {
        SealedBox box = SealedBox.decode(sealed);
        if (box.epoch() != context.epoch()) {
            throw new TamperedException("change set " + context.changeSetId() + " is sealed under epoch " + box.epoch()
                    + " but claims epoch " + context.epoch());
        }
        byte[] ad = context.associatedData();
        byte[] inner = open(keys, sealed, ad);
        if (inner.length < SIGNATURE_LENGTH) {
            throw new TamperedException("change set " + context.changeSetId() + " carries no signature");
        }
        byte[] signature = Arrays.copyOf(inner, SIGNATURE_LENGTH);
        byte[] payload = Arrays.copyOfRange(inner, SIGNATURE_LENGTH, inner.length);
        if (!verify(context.authorDevice(), ChangeSetFormat.signedMessage(ad, payload), signature)) {
            throw new TamperedException("change set " + context.changeSetId() + " in " + context.namespace()
                    + ": signature of the author device does not verify");
        }
        return payload;
    }

    // ---- batches: one signature for many change sets ----------------------------------------

    /**
     * Seals change sets of one author and epoch together with one signature. Each payload is sealed
     * in its own box with its context as associated data; the author signs
     * {@code "rhizome/batch-sig/v1" || u32 n || SHA-256(u32 len(ad_i) || ad_i || payload_i) for i in 0..n-1},
     * and that signature is sealed in a further box whose associated data is
     * {@code "rhizome/batch/v1" || author || epoch || u32 n}. Any change to order, count, a payload or a
     * context makes {@link #openBatch} fail as a whole.
     *
     * @throws IllegalArgumentException if the lists differ in size or are empty, or a context has
     *                                  another author or epoch than the first / the key
     */
    default SealedBatch sealBatch(AeadAlgorithm algorithm, MeshKey key, Signer author, List<ChangeSetContext> contexts,
            List<byte[]> payloads) throws CryptoException {
        if (contexts.isEmpty() || contexts.size() != payloads.size()) {
            throw new IllegalArgumentException("need one payload per context and at least one: " + contexts.size() + " contexts, "
                    + payloads.size() + " payloads");
        }
        byte[] authorKey = contexts.get(0).authorDevice();
        List<byte[]> boxes = new ArrayList<>(contexts.size());
        MessageDigest sha = ChangeSetFormat.sha256();
        ByteBuffer signed = ByteBuffer.allocate(ChangeSetFormat.BATCH_SIG_DOMAIN.length + 4 + 32 * contexts.size());
        signed.put(ChangeSetFormat.BATCH_SIG_DOMAIN).putInt(contexts.size());
        for (int i = 0; i < contexts.size(); i++) {
            ChangeSetContext c = contexts.get(i);
            if (c.epoch() != key.epoch() || !Arrays.equals(c.authorDevice(), authorKey)) {
                throw new IllegalArgumentException("context " + i + " (" + c + ") has another author or epoch than the batch");
            }
            byte[] ad = c.associatedData();
            boxes.add(seal(algorithm, key, payloads.get(i), ad));
            signed.put(ChangeSetFormat.itemDigest(sha, ad, payloads.get(i)));
        }
        byte[] signature = author.sign(signed.array());
        if (signature == null || signature.length != SIGNATURE_LENGTH) {
            throw new CryptoException("signer returned no 64-byte Ed25519 signature");
        }
        byte[] sealedSignature = seal(algorithm, key, signature, ChangeSetFormat.batchAd(authorKey, key.epoch(), contexts.size()));
        return new SealedBatch(boxes, sealedSignature);
    }

    /**
     * Opens a batch made by {@link #sealBatch}; all or nothing.
     *
     * @return the payloads, in order
     * @throws TamperedException if any box fails, the counts differ, the contexts do not share one
     *                           author and epoch, or the batch signature does not verify
     */
    default List<byte[]> openBatch(KeyLookup keys, List<ChangeSetContext> contexts, SealedBatch batch) throws CryptoException {
        List<byte[]> boxes = batch.boxes();
        if (contexts.isEmpty() || contexts.size() != boxes.size()) {
            throw new TamperedException("batch has " + boxes.size() + " boxes for " + contexts.size() + " change-set contexts");
        }
        ChangeSetContext first = contexts.get(0);
        byte[] authorKey = first.authorDevice();
        MessageDigest sha = ChangeSetFormat.sha256();
        ByteBuffer signed = ByteBuffer.allocate(ChangeSetFormat.BATCH_SIG_DOMAIN.length + 4 + 32 * contexts.size());
        signed.put(ChangeSetFormat.BATCH_SIG_DOMAIN).putInt(contexts.size());
        List<byte[]> payloads = new ArrayList<>(contexts.size());
        for (int i = 0; i < contexts.size(); i++) {
            ChangeSetContext c = contexts.get(i);
            if (c.epoch() != first.epoch() || !Arrays.equals(c.authorDevice(), authorKey)) {
                throw new TamperedException("batch mixes authors or epochs at change set " + c.changeSetId());
            }
            SealedBox box = SealedBox.decode(boxes.get(i));
            if (box.epoch() != c.epoch()) {
                throw new TamperedException("change set " + c.changeSetId() + " is sealed under epoch " + box.epoch()
                        + " but claims epoch " + c.epoch());
            }
            byte[] ad = c.associatedData();
            byte[] payload = open(keys, boxes.get(i), ad);
            payloads.add(payload);
            signed.put(ChangeSetFormat.itemDigest(sha, ad, payload));
        }
        if (SealedBox.decode(batch.sealedSignature()).epoch() != first.epoch()) {
            throw new TamperedException("batch signature is sealed under another epoch than its change sets");
        }
        byte[] signature = open(keys, batch.sealedSignature(), ChangeSetFormat.batchAd(authorKey, first.epoch(), contexts.size()));
        if (!verify(authorKey, signed.array(), signature)) {
            throw new TamperedException("batch of " + contexts.size() + " change sets starting at " + first.changeSetId()
                    + ": signature of the author device does not verify");
        }
        return payloads;
    }

    /** Byte layouts of the signed messages; shared by the default methods. */
    final class ChangeSetFormat {
        static final byte[] SIG_DOMAIN = "rhizome/change-set-sig/v1".getBytes(StandardCharsets.US_ASCII);
        static final byte[] BATCH_SIG_DOMAIN = "rhizome/batch-sig/v1".getBytes(StandardCharsets.US_ASCII);
        static final byte[] BATCH_DOMAIN = "rhizome/batch/v1".getBytes(StandardCharsets.US_ASCII);

        private ChangeSetFormat() {
        }

        static byte[] signedMessage(byte[] ad, byte[] payload) {
            return ByteBuffer.allocate(SIG_DOMAIN.length + 4 + ad.length + payload.length)
                    .put(SIG_DOMAIN).putInt(ad.length).put(ad).put(payload).array();
        }

        static byte[] itemDigest(MessageDigest sha, byte[] ad, byte[] payload) {
            sha.update(ByteBuffer.allocate(4).putInt(ad.length).array());
            sha.update(ad);
            sha.update(payload);
            return sha.digest();
        }

        static byte[] batchAd(byte[] author, long epoch, int count) {
            return ByteBuffer.allocate(BATCH_DOMAIN.length + author.length + 12)
                    .put(BATCH_DOMAIN).put(author).putLong(epoch).putInt(count).array();
        }

        static MessageDigest sha256() {
            try {
                return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every Java platform has SHA-256", e);
            }
        }
    }
}

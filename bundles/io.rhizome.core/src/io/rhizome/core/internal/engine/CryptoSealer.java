package io.rhizome.core.internal.engine;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Supplier;

import io.rhizome.spi.crypto.ChangeSetContext;
import io.rhizome.spi.crypto.CryptoException;
import io.rhizome.spi.crypto.EncryptionProvider;
import io.rhizome.spi.crypto.KeyService;
import io.rhizome.spi.crypto.KeyService.MeshKey;

/**
 * End-to-end protection of change sets: each body is signed with the author's identity key, then
 * sealed with the current mesh key; the associated data binds namespace, change-set id
 * ({@code stream#seq}), author device key and key epoch. Unsealed envelopes are refused, and with
 * no encryption provider installed nothing is sealed or opened — never a silent fall-back to
 * plaintext.
 */
public final class CryptoSealer implements ChangeSetSealer {

    private final Supplier<Optional<EncryptionProvider>> provider;
    private final KeyService keys;

    public CryptoSealer(Supplier<Optional<EncryptionProvider>> provider, KeyService keys) {
        this.provider = provider;
        this.keys = keys;
    }

    private EncryptionProvider provider() throws SealException {
        return provider.get().orElseThrow(() -> new SealException("no encryption provider is installed; change sets are never sent or stored unencrypted"));
    }

    @Override
    public Envelope seal(ChangeSet cs, byte[] encoded) throws SealException {
        EncryptionProvider p = provider();
        MeshKey key = keys.currentMeshKey();
        try {
            ChangeSetContext ctx = context(cs.namespace(), cs.author(), cs.seq(), key.epoch());
            byte[] sealed = p.sealChangeSet(p.defaultAlgorithm(), key, ctx, keys::signWithIdentity, encoded);
            return new Envelope(Envelope.VERSION, cs.namespace(), cs.author(), cs.seq(), key.epoch(), sealed);
        } catch (CryptoException | IllegalArgumentException e) {
            throw new SealException("cannot seal " + cs.stream() + "#" + cs.seq() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public byte[] open(Envelope env) throws SealException {
        if (env.epoch() == Envelope.PLAIN_EPOCH) {
            throw new SealException("change set " + env.stream() + "#" + env.seq() + " is not encrypted; this node accepts only end-to-end encrypted change sets");
        }
        EncryptionProvider p = provider();
        try {
            return p.openChangeSet(keys::meshKey, context(env.namespace(), env.author(), env.seq(), env.epoch()), env.body());
        } catch (CryptoException | IllegalArgumentException e) {
            throw new SealException("cannot open " + env.stream() + "#" + env.seq() + " (key epoch " + env.epoch() + "): " + e.getMessage(), e);
        }
    }

    @Override
    public ScopedEnvelope sealScoped(String namespace, String author, long seq, String via, String predicate, byte[] body)
            throws SealException {
        EncryptionProvider p = provider();
        MeshKey key = keys.currentMeshKey();
        try {
            byte[] sealed = p.sealChangeSet(p.defaultAlgorithm(), key, scopedContext(namespace, author, seq, via, predicate, key.epoch()),
                    keys::signWithIdentity, body);
            return new ScopedEnvelope(ScopedEnvelope.VERSION, namespace, author, seq, key.epoch(), via, predicate, sealed);
        } catch (CryptoException | IllegalArgumentException e) {
            throw new SealException("cannot seal the scoped entry " + Streams.id(namespace, author) + "#" + seq + ": " + e.getMessage(), e);
        }
    }

    @Override
    public byte[] openScoped(ScopedEnvelope env) throws SealException {
        if (env.epoch() == Envelope.PLAIN_EPOCH) {
            throw new SealException("scoped entry " + env.stream() + "#" + env.seq() + " is not encrypted; this node accepts only end-to-end encrypted entries");
        }
        EncryptionProvider p = provider();
        try {
            return p.openChangeSet(keys::meshKey, scopedContext(env.namespace(), env.author(), env.seq(), env.via(), env.predicate(), env.epoch()),
                    env.body());
        } catch (CryptoException | IllegalArgumentException e) {
            throw new SealException("cannot open the scoped entry " + env.stream() + "#" + env.seq() + " from " + env.via() + " (key epoch "
                    + env.epoch() + "): " + e.getMessage(), e);
        }
    }

    /**
     * The signer is {@code via}; the id binds the stream position and (by hash, to stay within 255
     * bytes) the predicate, so an entry cannot be replayed at another position or under another scope.
     */
    private static ChangeSetContext scopedContext(String namespace, String author, long seq, String via, String predicate, long epoch)
            throws SealException {
        ChangeSetContext base = context(namespace, via, seq, epoch);
        String id = "scoped|" + Streams.id(namespace, author) + "#" + seq + "|" + predicateHash(predicate);
        return new ChangeSetContext(namespace, id, base.authorDevice(), epoch);
    }

    private static String predicateHash(String predicate) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(predicate.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static ChangeSetContext context(String namespace, String author, long seq, long epoch) throws SealException {
        byte[] authorKey;
        try {
            authorKey = Base64.getUrlDecoder().decode(author);
        } catch (IllegalArgumentException e) {
            throw new SealException("author '" + author + "' is not a device key (base64url Ed25519 public key)");
        }
        if (authorKey.length != ChangeSetContext.DEVICE_KEY_LENGTH) {
            throw new SealException("author '" + author + "' is not a 32-byte device key");
        }
        return new ChangeSetContext(namespace, Streams.id(namespace, author) + "#" + seq, authorKey, epoch);
    }
}

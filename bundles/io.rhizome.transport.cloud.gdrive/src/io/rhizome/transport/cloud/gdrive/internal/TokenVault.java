package io.rhizome.transport.cloud.gdrive.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.rhizome.spi.crypto.CryptoException;
import io.rhizome.spi.crypto.EncryptionProvider;
import io.rhizome.spi.crypto.KeyLookup;
import io.rhizome.spi.crypto.KeyService;
import io.rhizome.spi.store.MetadataSpace;
import io.rhizome.spi.store.StoreException;

/**
 * Google refresh tokens, sealed before they reach this bundle's metadata space. The sealing key is
 * not the mesh key (other devices hold that, and a backup carries it): it is derived from this
 * device's identity key, which never leaves the node's key store — an Ed25519 signature is
 * deterministic (RFC 8032), so signing a fixed label gives the same secret on every start and
 * only to the holder of the identity key; HMAC-SHA-256 over it gives the 32-byte AEAD key. The
 * location is the associated data: a sealed token copied to another location does not open.
 */
final class TokenVault {

    private static final String PREFIX = "token/";
    private static final byte[] LABEL = "rhizome/gdrive-refresh-token-key/v1".getBytes(StandardCharsets.US_ASCII);

    private final MetadataSpace space;
    private final KeyService keys;
    private final EncryptionProvider crypto;

    TokenVault(MetadataSpace space, KeyService keys, EncryptionProvider crypto) {
        this.space = space;
        this.keys = keys;
        this.crypto = crypto;
    }

    void store(String location, String refreshToken) throws IOException {
        try {
            space.put(PREFIX + location, crypto.seal(crypto.defaultAlgorithm(), key(), refreshToken.getBytes(StandardCharsets.UTF_8), ad(location)));
        } catch (CryptoException | StoreException e) {
            throw new IOException("cannot store the Google sign-in: " + e.getMessage(), e);
        }
    }

    Optional<String> load(String location) throws IOException {
        try {
            Optional<byte[]> sealed = space.get(PREFIX + location);
            if (sealed.isEmpty()) {
                return Optional.empty();
            }
            KeyService.MeshKey k = key();
            return Optional.of(new String(crypto.open(KeyLookup.of(k), sealed.get(), ad(location)), StandardCharsets.UTF_8));
        } catch (CryptoException e) {
            throw new IOException("the stored Google sign-in for " + location + " does not open (" + e.getMessage()
                    + "); sign in again with `rhizome cloud add gdrive`", e);
        } catch (StoreException e) {
            throw new IOException("cannot read the stored Google sign-in: " + e.getMessage(), e);
        }
    }

    /** Deletes the sealed token of {@code location}; absent is fine. */
    void remove(String location) throws IOException {
        try {
            space.delete(PREFIX + location);
        } catch (StoreException e) {
            throw new IOException("cannot delete the stored Google sign-in: " + e.getMessage(), e);
        }
    }

    private KeyService.MeshKey key() throws CryptoException {
        byte[] secret = keys.signWithIdentity(LABEL);
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return new KeyService.MeshKey(0, mac.doFinal(LABEL));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java platform has HmacSHA256", e);
        } finally {
            java.util.Arrays.fill(secret, (byte) 0);
        }
    }

    private static byte[] ad(String location) {
        return ("rhizome/gdrive-refresh-token/v1|" + location).getBytes(StandardCharsets.UTF_8);
    }
}

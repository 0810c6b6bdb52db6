package io.rhizome.transport.wireguard.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.crypto.CryptoException;
import io.rhizome.spi.crypto.KeyService;
import io.rhizome.transport.wireguard.internal.uapi.WgKey;

/**
 * This device's WireGuard private key, kept by the node's {@link KeyService} (sealed at rest with
 * the identity and mesh keys, under the key store's passphrase or key file) as the secret
 * {@value #SECRET}: created at the first start, the same from then on.
 *
 * <p>Migration: the first slice of this transport kept the key as a 0600 plaintext file
 * {@code <home>/wireguard.key}. If that file exists when the key service holds no key yet, its key
 * is taken over (so the peers that configured its public key keep working) and the file is deleted
 * once the key service stored it. A file that does not hold a key stops the start with a sentence
 * and is left alone.
 */
public final class KeyServiceKeys implements WireGuardKeys {

    public static final String SECRET = "io.rhizome.transport.wireguard/private-key";
    public static final String LEGACY_FILE = "wireguard.key";
    private static final Logger LOG = LoggerFactory.getLogger(KeyServiceKeys.class);

    private final KeyService keys;
    private final Path legacy;
    private final SecureRandom random = new SecureRandom();

    public KeyServiceKeys(KeyService keys, Path home) {
        this.keys = keys;
        this.legacy = home.resolve(LEGACY_FILE);
    }

    @Override
    public WgKey privateKey() throws IOException {
        boolean[] migrated = { false };
        byte[] secret;
        try {
            secret = keys.secret(SECRET, () -> {
                if (Files.exists(legacy)) {
                    migrated[0] = true;
                    return readLegacy().bytes();
                }
                return WgKey.generatePrivate(random).bytes();
            });
        } catch (CryptoException e) {
            Throwable c = e.getCause();
            if (c instanceof UncheckedIOException u) {
                throw u.getCause();
            }
            throw new IOException("the key service cannot keep the WireGuard private key: " + e.getMessage(), e);
        }
        if (migrated[0]) {
            Files.delete(legacy);
            LOG.info("WireGuard: the private key of {} is now kept by the key service (sealed); the plaintext file is deleted", legacy);
        } else if (Files.exists(legacy)) {
            LOG.warn("WireGuard: {} is not used (the key service keeps this device's WireGuard key); delete it", legacy);
        }
        return WgKey.of(secret);
    }

    private WgKey readLegacy() {
        try {
            return WgKey.fromBase64(Files.readString(legacy, StandardCharsets.US_ASCII).strip());
        } catch (IllegalArgumentException e) {
            throw new UncheckedIOException(new IOException("the WireGuard key file " + legacy + " does not hold a key (" + e.getMessage()
                    + "); move it away to let the node make a new key", e));
        } catch (IOException e) {
            throw new UncheckedIOException(new IOException("cannot read the WireGuard key file " + legacy + ": " + e.getMessage(), e));
        }
    }
}

package io.rhizome.transport.wireguard.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.rhizome.spi.crypto.KeyService;
import io.rhizome.transport.wireguard.internal.KeyServiceKeys;
import io.rhizome.transport.wireguard.internal.uapi.WgKey;

/**
 * The WireGuard private key kept by the KeyService: made once and the same after; a key file left
 * by the first slice is taken over once (same public key, file deleted); a file that holds no key
 * stops the start with a sentence and stays; a key service that keeps no plugin secrets is named.
 */
class KeyServiceKeysTest {

    @TempDir
    Path home;

    @Test
    void aNewKeyIsMadeOnceAndKeptByTheKeyService() throws Exception {
        FixedKeys keys = new FixedKeys("device-a");
        WgKey first = new KeyServiceKeys(keys, home).privateKey();
        assertEquals(first, new KeyServiceKeys(keys, home).privateKey());
        assertArrayEquals(first.bytes(), keys.secrets.get(KeyServiceKeys.SECRET));
        assertFalse(Files.exists(home.resolve(KeyServiceKeys.LEGACY_FILE)), "no plaintext key file is written");
    }

    @Test
    void anOldKeyFileIsTakenOverOnceAndDeleted() throws Exception {
        WgKey old = WgKey.generatePrivate(new SecureRandom());
        Files.writeString(home.resolve(KeyServiceKeys.LEGACY_FILE), old.base64() + "\n");
        FixedKeys keys = new FixedKeys("device-a");
        assertEquals(old, new KeyServiceKeys(keys, home).privateKey(), "the peers that know its public key keep working");
        assertFalse(Files.exists(home.resolve(KeyServiceKeys.LEGACY_FILE)), "the plaintext file is deleted once the key service keeps the key");

        // a file appearing later (a restored copy) does not replace the kept key, and is left for the operator
        Files.writeString(home.resolve(KeyServiceKeys.LEGACY_FILE), WgKey.generatePrivate(new SecureRandom()).base64() + "\n");
        assertEquals(old, new KeyServiceKeys(keys, home).privateKey());
        assertTrue(Files.exists(home.resolve(KeyServiceKeys.LEGACY_FILE)));
    }

    @Test
    void aFileWithoutAKeyOrAKeyServiceWithoutSecretsStopsTheStartWithASentence() throws Exception {
        Files.writeString(home.resolve(KeyServiceKeys.LEGACY_FILE), "not a key\n");
        FixedKeys keys = new FixedKeys("device-a");
        IOException bad = assertThrows(IOException.class, () -> new KeyServiceKeys(keys, home).privateKey());
        assertTrue(bad.getMessage().contains("does not hold a key") && bad.getMessage().contains("move it away"), bad.getMessage());
        assertTrue(Files.exists(home.resolve(KeyServiceKeys.LEGACY_FILE)), "the file is left alone");
        assertTrue(keys.secrets.isEmpty(), "nothing was kept");

        KeyService noSecrets = new FixedKeys("device-b") {
            @Override
            public synchronized byte[] secret(String name, java.util.function.Supplier<byte[]> initial) throws io.rhizome.spi.crypto.CryptoException {
                throw new io.rhizome.spi.crypto.CryptoException("this key service keeps no secrets of other plugins");
            }
        };
        IOException none = assertThrows(IOException.class, () -> new KeyServiceKeys(noSecrets, Files.createTempDirectory("wg-none")).privateKey());
        assertTrue(none.getMessage().startsWith("the key service cannot keep the WireGuard private key"), none.getMessage());
    }
}

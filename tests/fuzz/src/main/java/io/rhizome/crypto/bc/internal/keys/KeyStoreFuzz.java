package io.rhizome.crypto.bc.internal.keys;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import io.rhizome.fuzz.Contract;
import io.rhizome.fuzz.Target;
import io.rhizome.spi.crypto.CryptoException;
import io.rhizome.spi.crypto.KeyService.MeshKey;

/**
 * The key store file ({@code keys/keystore.bin}): its header (magic, version, protection mode,
 * Argon2 parameters, salt) and what decrypts from it. The first input byte picks: 0, the bytes as
 * the store file next to a valid key file, opened as the node opens it at start
 * ({@link KeyStoreFile#open}, documented error {@link CryptoException}); 1, the decrypted key
 * material ({@link KeyMaterial#decode}, documented error {@link IllegalArgumentException}, which
 * {@code open} turns into a {@link CryptoException}), reachable only with the key but decoded all
 * the same. Passphrase mode is not driven: its cost is the Argon2 parameters the header names,
 * bounded by {@link Argon2Params}'s maxima, not by the input.
 */
public final class KeyStoreFuzz implements Target {

    private static final Contract OPEN = Contract.typed(CryptoException.class);
    private static final Contract MATERIAL = Contract.typed(IllegalArgumentException.class);
    private static Path dir;
    private static byte[] validStore;

    public static void fuzzerInitialize() throws Exception {
        String base = System.getProperty("rhizome.fuzz.work", System.getProperty("java.io.tmpdir"));
        dir = Files.createTempDirectory(Path.of(base), "keystore-fuzz").resolve("keys");
        SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
        random.setSeed(17);
        KeyStoreFile file = KeyStoreFile.create(dir, null, Argon2Params.DEFAULT, random);
        file.write(material());
        validStore = Files.readAllBytes(dir.resolve(KeyStoreFile.STORE_FILE));
    }

    private static KeyMaterial material() {
        byte[] seed = new byte[32];
        Arrays.fill(seed, (byte) 1);
        byte[] entropy = new byte[32];
        Arrays.fill(entropy, (byte) 2);
        return new KeyMaterial(seed, entropy, List.of(new MeshKey(0, new byte[32]), new MeshKey(1, seed)),
                Map.of("wireguard.key", entropy, "cloud.token", seed));
    }

    public static void fuzzerTestOneInput(byte[] input) throws Exception {
        if (dir == null) {
            fuzzerInitialize();
        }
        if (input.length == 0) {
            return;
        }
        byte[] bytes = Arrays.copyOfRange(input, 1, input.length);
        if ((input[0] & 1) == 0) {
            Files.write(dir.resolve(KeyStoreFile.STORE_FILE), bytes);
            OPEN.check(bytes, () -> KeyStoreFile.open(dir, null));
        } else {
            MATERIAL.check(bytes, () -> KeyMaterial.decode(bytes));
        }
    }

    @Override
    public List<byte[]> seeds() throws Exception {
        fuzzerInitialize();
        return List.of(prefixed(0, validStore), prefixed(1, material().encode()));
    }

    private static byte[] prefixed(int selector, byte[] bytes) {
        byte[] out = new byte[bytes.length + 1];
        out[0] = (byte) selector;
        System.arraycopy(bytes, 0, out, 1, bytes.length);
        return out;
    }
}

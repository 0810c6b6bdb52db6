package io.rhizome.crypto.bc.internal.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.rhizome.spi.crypto.CryptoException;

/**
 * Secrets of other plugins (a WireGuard private key) kept by the key service: made once, the same
 * after a restart and after mesh key changes, sealed in the key store (never its bytes in plaintext
 * on disk), and a store that holds none is read as before.
 */
class PluginSecretTest {

    private static final Argon2Params FAST = new Argon2Params(1024, 1, 1);
    private final SecureRandom random = new SecureRandom();
    private Path home;

    @BeforeEach
    void setUp() throws Exception {
        home = Files.createTempDirectory("plugin-secret");
    }

    private NodeKeys open() throws CryptoException {
        return NodeKeys.openOrCreate(home, null, FAST, random);
    }

    private byte[] fresh() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return b;
    }

    @Test
    void aSecretIsMadeOnceKeptSealedAndSurvivesRestartsAndKeyRotations() throws Exception {
        NodeKeys keys = open();
        AtomicInteger made = new AtomicInteger();
        byte[] first = keys.secret("io.rhizome.transport.wireguard/private-key", () -> {
            made.incrementAndGet();
            return fresh();
        });
        assertArrayEquals(first, keys.secret("io.rhizome.transport.wireguard/private-key", () -> {
            made.incrementAndGet();
            return fresh();
        }));
        keys.rotateMeshKey();
        NodeKeys again = open();
        assertArrayEquals(first, again.secret("io.rhizome.transport.wireguard/private-key", () -> {
            made.incrementAndGet();
            return fresh();
        }), "the same secret after a mesh key rotation and a restart");
        assertEquals(1, made.get(), "made once");
        assertEquals(1, again.epochs().get(again.epochs().size() - 1), "the rotation is kept next to the secret");

        String hex = HexFormat.of().formatHex(first);
        try (var files = Files.walk(home)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertFalse(HexFormat.of().formatHex(Files.readAllBytes(f)).contains(hex), "the secret is not in plaintext in " + f);
            }
        }
    }

    @Test
    void badNamesAndSizesAreRefusedAndChangeNothing() throws Exception {
        NodeKeys keys = open();
        CryptoException name = assertThrows(CryptoException.class, () -> keys.secret("no spaces allowed", this::fresh));
        assertTrue(name.getMessage().contains("'no spaces allowed'"), name.getMessage());
        CryptoException big = assertThrows(CryptoException.class, () -> keys.secret("x/too-big", () -> new byte[KeyMaterial.MAX_SECRET + 1]));
        assertTrue(big.getMessage().contains("1 to " + KeyMaterial.MAX_SECRET + " bytes"), big.getMessage());
        CryptoException failing = assertThrows(CryptoException.class, () -> keys.secret("x/failing", () -> {
            throw new IllegalStateException("cannot read the old file");
        }));
        assertTrue(failing.getMessage().contains("cannot read the old file"), failing.getMessage());
        byte[] later = fresh();
        assertArrayEquals(later, open().secret("x/failing", () -> later), "nothing was stored by the failed attempt");
    }

    @Test
    void keyMaterialWithoutSecretsIsEncodedAsBeforeAndWithThemRoundTrips() {
        KeyMaterial plain = new KeyMaterial(fresh(), fresh(), java.util.List.of(new io.rhizome.spi.crypto.KeyService.MeshKey(0, fresh())));
        assertEquals(64 + 4 + 40, plain.encode().length, "no plugin secrets: the old layout, byte for byte");
        KeyMaterial with = plain.withSecret("a/b", new byte[] { 1, 2, 3 });
        KeyMaterial read = KeyMaterial.decode(with.encode());
        assertArrayEquals(new byte[] { 1, 2, 3 }, read.secret("a/b").orElseThrow());
        assertEquals(plain.meshKeys(), read.meshKeys());
        byte[] truncated = java.util.Arrays.copyOf(with.encode(), with.encode().length - 1);
        assertThrows(IllegalArgumentException.class, () -> KeyMaterial.decode(truncated));
    }
}

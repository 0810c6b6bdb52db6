package io.rhizome.hub.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.rhizome.spi.crypto.CryptoException;

/** The hub keeps other plugins' secrets (the MapDB store's key) across restarts, and only those. */
class HubKeysSecretTest {

    @Test
    void aSecretIsMadeOnceKeptAcrossARestartAndReadableOnlyByTheOwner(@TempDir Path home) throws Exception {
        Path identity = home.resolve("hub").resolve("identity.key");
        AtomicInteger made = new AtomicInteger();
        byte[] first = HubKeys.open(identity).secret("io.rhizome.store.mapdb/store-key", () -> {
            made.incrementAndGet();
            return new byte[] {1, 2, 3, 4};
        });
        byte[] again = HubKeys.open(identity).secret("io.rhizome.store.mapdb/store-key", () -> {
            made.incrementAndGet();
            return new byte[] {9};
        });
        assertArrayEquals(new byte[] {1, 2, 3, 4}, first);
        assertArrayEquals(first, again, "the kept secret, not a new one, after a restart");
        assertEquals(1, made.get(), "initial is asked once");
        try (var files = Files.list(home.resolve("hub").resolve("secrets"))) {
            Path file = files.findFirst().orElseThrow();
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        }
    }

    @Test
    void badNamesAndSizesAreRefusedAndNothingIsKept(@TempDir Path home) throws Exception {
        HubKeys keys = HubKeys.open(home.resolve("hub").resolve("identity.key"));
        CryptoException name = assertThrows(CryptoException.class, () -> keys.secret("bad name!", () -> new byte[] {1}));
        assertTrue(name.getMessage().contains("[A-Za-z0-9._/-]"), name.getMessage());
        assertThrows(CryptoException.class, () -> keys.secret("", () -> new byte[] {1}));
        CryptoException size = assertThrows(CryptoException.class, () -> keys.secret("x/too-big", () -> new byte[1025]));
        assertTrue(size.getMessage().contains("1024"), size.getMessage());
        assertTrue(!Files.exists(home.resolve("hub").resolve("secrets"))
                || Files.list(home.resolve("hub").resolve("secrets")).findAny().isEmpty(), "nothing was kept");
    }

    @Test
    void theHubStillHoldsNoMeshKey(@TempDir Path home) throws Exception {
        HubKeys keys = HubKeys.open(home.resolve("hub").resolve("identity.key"));
        keys.secret("io.rhizome.store.mapdb/store-key", () -> new byte[32]);
        // a name the contract allows that looks like a path stays inside the secrets folder (hex file names)
        keys.secret("../outside", () -> new byte[] {7});
        assertTrue(!Files.exists(home.resolve("hub").resolve("outside")) && !Files.exists(home.resolve("outside")));
        assertTrue(keys.epochs().isEmpty());
        assertThrows(CryptoException.class, keys::rotateMeshKey);
    }
}

package io.rhizome.crypto.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Hashtable;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import io.rhizome.spi.crypto.ChangeSetContext;
import io.rhizome.spi.crypto.EncryptionProvider;
import io.rhizome.spi.crypto.InvalidMnemonicException;
import io.rhizome.spi.crypto.KeyLookup;
import io.rhizome.spi.crypto.KeyService;
import io.rhizome.spi.crypto.KeyService.MeshKey;
import io.rhizome.spi.crypto.RecoveryService;
import io.rhizome.spi.crypto.SealedBox;
import io.rhizome.spi.crypto.UnknownKeyEpochException;

/**
 * The key service as a running node uses it, configured through ConfigAdmin with a temporary home:
 * identity survives restarts, epochs rotate and persist, the home folder never holds a key in
 * plaintext, and recovery words are checked with clear errors.
 */
class KeyServiceTest {

    private static ConfigurationAdmin configAdmin;
    private static Configuration config;
    private static Path homes;

    @BeforeAll
    static void setUp() throws Exception {
        configAdmin = Services.await(ConfigurationAdmin.class, null);
        config = configAdmin.getConfiguration("io.rhizome.crypto.keys", "?");
        homes = Files.createTempDirectory("rhizome-keys-test");
    }

    @AfterAll
    static void tearDown() throws Exception {
        config.delete();
    }

    /** Points the key service at {@code home} and waits for the instance serving it. */
    private static <T> T configure(Class<T> type, Path home, String passphrase) throws Exception {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("home", home.toString());
        p.put(".passphrase", passphrase == null ? "" : passphrase);
        // Cheap Argon2id so the test is quick; the production defaults are 64 MiB / 3 passes.
        p.put("argon2.memoryKiB", 1024);
        p.put("argon2.iterations", 1);
        p.put("argon2.parallelism", 1);
        config.update(p);
        return Services.await(type, "(home=" + home + ")");
    }

    @Test
    void identityAndEpochsSurviveARestartAndNoKeyIsStoredInPlaintext() throws Exception {
        Path home = homes.resolve("a");
        KeyService keys = configure(KeyService.class, home, "correct horse battery staple");
        String deviceId = keys.deviceId();
        assertEquals(43, deviceId.length());
        assertArrayEquals(keys.identityPublicKey(), Base64.getUrlDecoder().decode(deviceId));
        assertTrue(keys.fingerprint().matches("([0-9a-f]{4} ){7}[0-9a-f]{4}"), keys.fingerprint());
        MeshKey epoch0 = keys.currentMeshKey();
        assertEquals(0, epoch0.epoch());
        EncryptionProvider bcProvider = Services.provider("bc");
        ChangeSetContext oldContext = new ChangeSetContext("notes", "before-rotation", keys.identityPublicKey(), 0);
        byte[] oldChangeSet = bcProvider.sealChangeSet(bcProvider.defaultAlgorithm(), epoch0, oldContext, keys::signWithIdentity,
                "written in epoch 0".getBytes(StandardCharsets.UTF_8));
        MeshKey epoch1 = keys.rotateMeshKey();
        assertEquals(1, epoch1.epoch());
        assertEquals(epoch1, keys.currentMeshKey());
        assertEquals(List.of(0L, 1L), keys.epochs());

        EncryptionProvider bc = bcProvider;
        byte[] message = "who wrote this".getBytes(StandardCharsets.UTF_8);
        assertTrue(bc.verify(keys.identityPublicKey(), message, keys.signWithIdentity(message)));

        RecoveryService recovery = Services.await(RecoveryService.class, "(home=" + home + ")");
        List<String> words = recovery.mnemonic();
        byte[] recoveryKey = recovery.recoveryKey();

        assertNoSecretOnDisk(home, List.of(epoch0.key(), epoch1.key(), recoveryKey,
                String.join(" ", words).getBytes(StandardCharsets.UTF_8)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("keys/keystore.bin"))));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("keys"))));
        assertFalse(Files.exists(home.resolve("keys/keystore.kek")), "a passphrase store has no key file");

        // Another node home: another identity, protected by a generated key file.
        Path other = homes.resolve("b");
        KeyService otherKeys = configure(KeyService.class, other, null);
        assertNotEquals(deviceId, otherKeys.deviceId());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(other.resolve("keys/keystore.kek"))));
        assertNoSecretOnDisk(other, List.of(otherKeys.currentMeshKey().key()));

        // Back to the first home: same identity, same epochs and keys.
        KeyService reopened = configure(KeyService.class, home, "correct horse battery staple");
        assertEquals(deviceId, reopened.deviceId());
        assertEquals(List.of(0L, 1L), reopened.epochs());
        assertEquals(epoch0, reopened.meshKey(0).orElseThrow());
        assertEquals(epoch1, reopened.currentMeshKey());
        assertEquals(words, Services.await(RecoveryService.class, "(home=" + home + ")").mnemonic());
        // History stays readable after rotation and restart; new writes use the new epoch.
        assertEquals("written in epoch 0", new String(bcProvider.openChangeSet(reopened::meshKey, oldContext, oldChangeSet),
                StandardCharsets.UTF_8));
        ChangeSetContext newContext = new ChangeSetContext("notes", "after-rotation", reopened.identityPublicKey(),
                reopened.currentMeshKey().epoch());
        byte[] newChangeSet = bcProvider.sealChangeSet(bcProvider.defaultAlgorithm(), reopened.currentMeshKey(), newContext,
                reopened::signWithIdentity, new byte[] {1});
        assertEquals(1, SealedBox.decode(newChangeSet).epoch());
        assertThrows(UnknownKeyEpochException.class,
                () -> bcProvider.openChangeSet(KeyLookup.of(epoch0), newContext, newChangeSet), "a node that only has epoch 0");
    }

    @Test
    void recoveryWordsAreVerifiedWithClearErrors() throws Exception {
        Path home = homes.resolve("r");
        RecoveryService recovery = configure(RecoveryService.class, home, null);
        List<String> words = recovery.mnemonic();
        assertEquals(24, words.size());
        recovery.verify(words);
        recovery.verify(List.of(String.join("  ", words).toUpperCase() + "\n"));
        assertArrayEquals(recovery.recoveryKey(), recovery.deriveRecoveryKey(words));

        InvalidMnemonicException count = assertThrows(InvalidMnemonicException.class, () -> recovery.verify(words.subList(0, 23)));
        assertEquals(InvalidMnemonicException.Reason.WORD_COUNT, count.reason());
        assertTrue(count.getMessage().contains("24") && count.getMessage().contains("23"), count.getMessage());

        List<String> typo = new ArrayList<>(words);
        typo.set(6, "notaword");
        InvalidMnemonicException unknown = assertThrows(InvalidMnemonicException.class, () -> recovery.verify(typo));
        assertEquals(InvalidMnemonicException.Reason.UNKNOWN_WORD, unknown.reason());
        assertEquals(7, unknown.position());
        assertTrue(unknown.getMessage().contains("word 7"), unknown.getMessage());

        List<String> badChecksum = Collections.nCopies(24, "abandon");
        assertEquals(InvalidMnemonicException.Reason.CHECKSUM,
                assertThrows(InvalidMnemonicException.class, () -> recovery.verify(badChecksum)).reason());

        List<String> someoneElses = new ArrayList<>(Collections.nCopies(23, "abandon"));
        someoneElses.add("art");
        assertEquals(InvalidMnemonicException.Reason.NOT_THIS_NODE,
                assertThrows(InvalidMnemonicException.class, () -> recovery.verify(someoneElses)).reason());
        // Error messages never echo the phrase. Single BIP39 words can be ordinary English that the
        // message itself uses ("phrase", "word"), so check every pair of consecutive words and the typo.
        for (InvalidMnemonicException e : List.of(count, unknown)) {
            for (int i = 0; i + 1 < words.size(); i++) {
                String pair = words.get(i) + " " + words.get(i + 1);
                assertFalse(e.getMessage().contains(pair), "error message repeats the words '" + pair + "': " + e.getMessage());
            }
            assertFalse(e.getMessage().contains("notaword"), "error message repeats the mistyped word: " + e.getMessage());
        }
    }

    /** Reads every file under {@code home} and fails if any secret appears raw, in hex or in base64. */
    static void assertNoSecretOnDisk(Path home, List<byte[]> secrets) throws Exception {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(home)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        assertFalse(files.isEmpty(), "the key service wrote its store under " + home);
        for (Path f : files) {
            byte[] content = Files.readAllBytes(f);
            String text = new String(content, StandardCharsets.ISO_8859_1);
            for (byte[] secret : secrets) {
                for (byte[] form : List.of(secret, HexFormat.of().formatHex(secret).getBytes(StandardCharsets.ISO_8859_1),
                        Base64.getEncoder().encode(secret), Base64.getUrlEncoder().withoutPadding().encode(secret))) {
                    assertFalse(text.contains(new String(form, StandardCharsets.ISO_8859_1)),
                            f + " contains a secret (" + form.length + " bytes form) in plaintext");
                }
            }
        }
    }
}

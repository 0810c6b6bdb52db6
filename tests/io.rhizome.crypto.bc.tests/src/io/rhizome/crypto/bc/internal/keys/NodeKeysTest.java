package io.rhizome.crypto.bc.internal.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.rhizome.spi.crypto.CryptoException;
import io.rhizome.spi.crypto.Fingerprints;
import io.rhizome.spi.crypto.KeyService.MeshKey;

/** The encrypted key store and the keys it holds, without OSGi. */
class NodeKeysTest {

    /** Cheap Argon2id so tests are quick; production defaults are {@link Argon2Params#DEFAULT}. */
    private static final Argon2Params FAST = new Argon2Params(1024, 1, 1);
    private final SecureRandom random = new SecureRandom();
    private Path home;

    @BeforeEach
    void setUp() throws Exception {
        home = Files.createTempDirectory("nodekeys");
    }

    private NodeKeys open(String passphrase) throws CryptoException {
        return NodeKeys.openOrCreate(home, passphrase == null ? null : passphrase.toCharArray(), FAST, random);
    }

    /**
     * The fingerprint of RFC 8032's first test key, as computed by the code before the fingerprint
     * moved into {@link Fingerprints} (pairing's and the key store's copies gave the same).
     */
    static final String RFC8032_KEY_1 = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    static final String RFC8032_KEY_1_FINGERPRINT = "21fe 31df a154 a261 626b f854 046f d227";

    @Test
    void theFingerprintHelperGivesTodaysKnownVector() {
        byte[] key = HexFormat.of().parseHex(RFC8032_KEY_1);
        assertEquals(RFC8032_KEY_1_FINGERPRINT, Fingerprints.of(key));
        assertEquals(RFC8032_KEY_1_FINGERPRINT, Fingerprints.ofDeviceId("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> Fingerprints.ofDeviceId("not base64!"));
        assertTrue(bad.getMessage().contains("'not base64!'"), bad.getMessage());
    }

    @Test
    void theKeyStoresFingerprintIsTheHelpersOfItsIdentityKey() throws Exception {
        NodeKeys keys = open(null);
        assertEquals(Fingerprints.of(keys.identityPublicKey()), keys.fingerprint());
        assertEquals(Fingerprints.ofDeviceId(keys.deviceId()), keys.fingerprint());
        assertTrue(keys.fingerprint().matches("([0-9a-f]{4} ){7}[0-9a-f]{4}"), keys.fingerprint());
    }

    @Test
    void keyFileStoreKeepsIdentityAndEpochsAcrossRestarts() throws Exception {
        NodeKeys first = open(null);
        MeshKey e0 = first.currentMeshKey();
        MeshKey e1 = first.rotateMeshKey();
        MeshKey e2 = first.rotateMeshKey();
        assertEquals(List.of(0L, 1L, 2L), first.epochs());

        NodeKeys again = open(null);
        assertEquals(first.deviceId(), again.deviceId());
        assertArrayEquals(first.identitySeed(), again.identitySeed());
        assertEquals(e0, again.meshKey(0).orElseThrow());
        assertEquals(e1, again.meshKey(1).orElseThrow());
        assertEquals(e2, again.currentMeshKey());
        assertEquals(first.mnemonic(), again.mnemonic());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("keys/keystore.kek"))));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("keys/keystore.bin"))));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("keys"))));
    }

    @Test
    void noSecretIsEverWrittenInPlaintext() throws Exception {
        for (String passphrase : new String[] {null, "s3cret passphrase"}) {
            home = Files.createTempDirectory("nodekeys-grep");
            NodeKeys keys = open(passphrase);
            keys.rotateMeshKey();
            keys.installMeshKey(new MeshKey(7, random.generateSeed(32)));
            byte[] entropy = Bip39.english().toEntropy(keys.mnemonic());
            List<byte[]> secrets = new java.util.ArrayList<>(List.of(keys.identitySeed(), entropy, keys.recoveryKey(),
                    String.join(" ", keys.mnemonic()).getBytes(StandardCharsets.UTF_8)));
            for (long epoch : keys.epochs()) {
                secrets.add(keys.meshKey(epoch).orElseThrow().key());
            }
            if (passphrase != null) {
                secrets.add(passphrase.getBytes(StandardCharsets.UTF_8));
            }
            List<Path> files;
            try (Stream<Path> walk = Files.walk(home)) {
                files = walk.filter(Files::isRegularFile).toList();
            }
            assertEquals(passphrase == null ? 2 : 1, files.size(), files.toString());
            for (Path f : files) {
                String content = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                for (byte[] s : secrets) {
                    for (byte[] form : List.of(s, HexFormat.of().formatHex(s).getBytes(StandardCharsets.ISO_8859_1), Base64.getEncoder().encode(s))) {
                        assertFalse(content.contains(new String(form, StandardCharsets.ISO_8859_1)), f + " holds a secret in plaintext");
                    }
                }
            }
        }
    }

    @Test
    void passphraseStoreOpensOnlyWithTheRightPassphrase() throws Exception {
        NodeKeys created = open("correct horse");
        assertFalse(Files.exists(home.resolve("keys/keystore.kek")));
        assertEquals(created.deviceId(), open("correct horse").deviceId());

        CryptoException wrong = assertThrows(CryptoException.class, () -> open("incorrect horse"));
        assertTrue(wrong.getMessage().contains("wrong passphrase"), wrong.getMessage());
        CryptoException none = assertThrows(CryptoException.class, () -> open(null));
        assertTrue(none.getMessage().contains("protected by a passphrase"), none.getMessage());
    }

    @Test
    void keyFileStoreRefusesAPassphraseAMissingOrExposedKeyFile() throws Exception {
        open(null);
        CryptoException withPassphrase = assertThrows(CryptoException.class, () -> open("unexpected"));
        assertTrue(withPassphrase.getMessage().contains("key file"), withPassphrase.getMessage());

        Path keyFile = home.resolve("keys/keystore.kek");
        Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-r--r--"));
        CryptoException exposed = assertThrows(CryptoException.class, () -> open(null));
        assertTrue(exposed.getMessage().contains("chmod 600"), exposed.getMessage());

        Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
        Files.write(keyFile, new byte[32]);
        CryptoException replaced = assertThrows(CryptoException.class, () -> open(null));
        assertTrue(replaced.getMessage().contains("wrong key file"), replaced.getMessage());

        Files.delete(keyFile);
        CryptoException missing = assertThrows(CryptoException.class, () -> open(null));
        assertTrue(missing.getMessage().contains("missing"), missing.getMessage());
    }

    @Test
    void everyModifiedByteOfTheStoreIsDetected() throws Exception {
        open("pw");
        Path store = home.resolve("keys/keystore.bin");
        byte[] original = Files.readAllBytes(store);
        // Every header byte (magic, mode, Argon2 cost, salt) and a sample of nonce and ciphertext bytes.
        for (int i = 0; i < original.length; i += (i < 64 ? 1 : 17)) {
            byte[] bad = original.clone();
            bad[i] ^= 0x01;
            Files.write(store, bad);
            assertThrows(CryptoException.class, () -> open("pw"), "byte " + i);
        }
        Files.write(store, java.util.Arrays.copyOf(original, 40));
        assertTrue(assertThrows(CryptoException.class, () -> open("pw")).getMessage().contains("truncated"));
        Files.write(store, original);
        open("pw");
    }

    @Test
    void hostileArgon2ParametersInTheHeaderAreRefusedBeforeDerivation() throws Exception {
        open("pw");
        Path store = home.resolve("keys/keystore.bin");
        byte[] bytes = Files.readAllBytes(store);
        // memoryKiB at offset 10: 0x7fffffff KiB would be 2 TiB.
        bytes[10] = 0x7f;
        bytes[11] = (byte) 0xff;
        Files.write(store, bytes);
        CryptoException e = assertThrows(CryptoException.class, () -> open("pw"));
        assertTrue(e.getMessage().contains("Argon2"), e.getMessage());
    }

    @Test
    void meshKeysInstallJoinAndConflict() throws Exception {
        NodeKeys keys = open(null);
        MeshKey received = new MeshKey(5, random.generateSeed(32));
        keys.installMeshKey(received);
        keys.installMeshKey(received);
        assertEquals(received, keys.currentMeshKey());
        CryptoException conflict = assertThrows(CryptoException.class, () -> keys.installMeshKey(new MeshKey(5, random.generateSeed(32))));
        assertTrue(conflict.getMessage().contains("epoch 5"), conflict.getMessage());
        assertEquals(received, open(null).meshKey(5).orElseThrow(), "a refused install changed nothing on disk");

        byte[] storeKey = keys.secret("io.rhizome.store.mapdb/store-key", () -> random.generateSeed(32));
        List<MeshKey> mesh = List.of(new MeshKey(3, random.generateSeed(32)), new MeshKey(4, random.generateSeed(32)));
        keys.joinMesh(mesh);
        assertEquals(List.of(3L, 4L), keys.epochs());
        assertEquals(List.of(3L, 4L), open(null).epochs());
        assertArrayEquals(storeKey, open(null).secret("io.rhizome.store.mapdb/store-key", () -> {
            throw new AssertionError("joining a mesh lost the store key");
        }), "a joined home keeps its store key, so it still opens its store");
        assertThrows(CryptoException.class, () -> keys.joinMesh(List.of()));
    }

    @Test
    void recoveryKeyIsDeterministicFromTheWordsAlone() throws Exception {
        NodeKeys keys = open(null);
        byte[] onThisNode = keys.recoveryKey();
        assertEquals(32, onThisNode.length);
        Path elsewhere = Files.createTempDirectory("other-node");
        NodeKeys otherNode = NodeKeys.openOrCreate(elsewhere, null, FAST, random);
        assertArrayEquals(onThisNode, otherNode.deriveRecoveryKey(keys.mnemonic()));
        assertFalse(java.util.Arrays.equals(onThisNode, otherNode.recoveryKey()));
    }

    @Test
    void anAdoptedRecoveryPhraseIsKeptAcrossRestartsAndLeavesIdentityAndMeshKeys() throws Exception {
        NodeKeys restored = open(null);
        String device = restored.deviceId();
        MeshKey mesh = restored.currentMeshKey();
        byte[] storeKey = restored.secret("io.rhizome.store.mapdb/store-key", () -> new byte[] {1, 2, 3});
        Path elsewhere = Files.createTempDirectory("old-node");
        NodeKeys old = NodeKeys.openOrCreate(elsewhere, null, FAST, random);
        List<String> oldWords = old.mnemonic();

        List<String> bad = new java.util.ArrayList<>(oldWords);
        bad.set(23, bad.get(23).equals("zoo") ? "abandon" : "zoo");
        assertThrows(io.rhizome.spi.crypto.InvalidMnemonicException.class, () -> restored.adoptMnemonic(bad));
        assertFalse(restored.mnemonic().equals(oldWords), "refused words change nothing");

        restored.adoptMnemonic(oldWords);
        assertEquals(oldWords, restored.mnemonic());
        assertArrayEquals(old.recoveryKey(), restored.recoveryKey());
        restored.verify(oldWords);

        NodeKeys reopened = open(null);
        assertEquals(oldWords, reopened.mnemonic(), "the adopted phrase is durable");
        assertEquals(device, reopened.deviceId(), "the device identity is kept");
        assertEquals(mesh, reopened.currentMeshKey(), "the mesh keys are kept");
        assertArrayEquals(storeKey, reopened.secret("io.rhizome.store.mapdb/store-key", () -> {
            throw new AssertionError("the store key was lost when the phrase was adopted");
        }), "other plugins' secrets (the store key) are kept");
        reopened.adoptMnemonic(oldWords);
        assertEquals(oldWords, open(null).mnemonic(), "adopting the same phrase again changes nothing");
    }

    @Test
    void argon2ParametersOutOfRangeAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Argon2Params(4, 3, 1));
        assertTrue(e.getMessage().contains("argon2.memoryKiB"), e.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Argon2Params(65536, 0, 1)).getMessage().contains("iterations"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Argon2Params(65536, 3, 17)).getMessage().contains("parallelism"));
    }
}

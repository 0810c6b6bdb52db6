package io.rhizome.crypto.bc.internal.keys;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.bouncycastle.math.ec.rfc8032.Ed25519;

import io.rhizome.crypto.bc.internal.BcEncryptionProvider;
import io.rhizome.crypto.bc.internal.Hkdf;
import io.rhizome.spi.crypto.CryptoException;
import io.rhizome.spi.crypto.Fingerprints;
import io.rhizome.spi.crypto.InvalidMnemonicException;
import io.rhizome.spi.crypto.InvalidMnemonicException.Reason;
import io.rhizome.spi.crypto.KeyService;
import io.rhizome.spi.crypto.RecoveryService;

/**
 * Device identity, mesh keys with epochs and the recovery mnemonic of one node, backed by the
 * encrypted {@link KeyStoreFile} in {@code <home>/keys}. Plain class, usable without OSGi.
 *
 * <p>Thread-safe: reads use an immutable snapshot; changes are serialised, written to disk first
 * and only then published, so a failed write changes nothing.
 */
public final class NodeKeys implements KeyService, RecoveryService {

    private static final byte[] RECOVERY_INFO = "rhizome/recovery-key/v1".getBytes(StandardCharsets.US_ASCII);

    private final KeyStoreFile store;
    private final Bip39 bip39;
    private final SecureRandom random;
    private final byte[] identitySeed;
    private final byte[] publicKey;
    private volatile byte[] recoveryEntropy;
    private volatile TreeMap<Long, MeshKey> meshKeys;
    /** Other plugins' secrets ({@link #secret}); replaced whole under this object's lock. */
    private volatile Map<String, byte[]> secrets;

    private NodeKeys(KeyStoreFile store, KeyMaterial material, Bip39 bip39, SecureRandom random) {
        this.store = store;
        this.bip39 = bip39;
        this.random = random;
        this.identitySeed = material.identitySeed();
        this.publicKey = new byte[Ed25519.PUBLIC_KEY_SIZE];
        Ed25519.generatePublicKey(identitySeed, 0, publicKey, 0);
        this.recoveryEntropy = material.recoveryEntropy();
        this.meshKeys = index(material.meshKeys());
        this.secrets = material.secrets();
    }

    /**
     * Opens the key store in {@code <home>/keys}, creating identity, recovery entropy and the mesh
     * key of epoch 0 on first start.
     *
     * @param passphrase null to protect the store with a generated key file instead
     * @param params     Argon2id cost for a new passphrase-protected store
     */
    public static NodeKeys openOrCreate(Path home, char[] passphrase, Argon2Params params, SecureRandom random) throws CryptoException {
        Path dir = home.resolve("keys");
        Bip39 bip39 = Bip39.english();
        if (KeyStoreFile.exists(dir)) {
            KeyStoreFile.Opened opened = KeyStoreFile.open(dir, passphrase);
            return new NodeKeys(opened.file(), opened.material(), bip39, random);
        }
        KeyStoreFile store = KeyStoreFile.create(dir, passphrase, params, random);
        KeyMaterial material = new KeyMaterial(bytes(random, 32), bytes(random, Bip39.ENTROPY_BYTES),
                List.of(new MeshKey(0, bytes(random, 32))));
        store.write(material);
        return new NodeKeys(store, material, bip39, random);
    }

    private static byte[] bytes(SecureRandom random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static TreeMap<Long, MeshKey> index(Collection<MeshKey> keys) {
        TreeMap<Long, MeshKey> map = new TreeMap<>();
        keys.forEach(k -> map.put(k.epoch(), k));
        return map;
    }

    /** For tests that prove the private seed never reaches the disk in plaintext. */
    byte[] identitySeed() {
        return identitySeed.clone();
    }

    Path storeFile() {
        return store.storeFile();
    }

    // ---- identity ----

    @Override
    public String deviceId() {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(publicKey);
    }

    @Override
    public byte[] identityPublicKey() {
        return publicKey.clone();
    }

    @Override
    public String fingerprint() {
        return Fingerprints.of(publicKey);
    }

    @Override
    public byte[] signWithIdentity(byte[] message) {
        return BcEncryptionProvider.sign(identitySeed, publicKey, message);
    }

    // ---- mesh keys ----

    @Override
    public MeshKey currentMeshKey() {
        return meshKeys.lastEntry().getValue();
    }

    @Override
    public Optional<MeshKey> meshKey(long epoch) {
        return Optional.ofNullable(meshKeys.get(epoch));
    }

    @Override
    public List<Long> epochs() {
        return List.copyOf(meshKeys.keySet());
    }

    @Override
    public synchronized MeshKey rotateMeshKey() throws CryptoException {
        MeshKey next = new MeshKey(meshKeys.lastKey() + 1, bytes(random, 32));
        TreeMap<Long, MeshKey> updated = new TreeMap<>(meshKeys);
        updated.put(next.epoch(), next);
        persist(updated);
        return next;
    }

    @Override
    public synchronized void installMeshKey(MeshKey key) throws CryptoException {
        MeshKey held = meshKeys.get(key.epoch());
        if (held != null) {
            if (held.equals(key)) {
                return;
            }
            throw new CryptoException("mesh key epoch " + key.epoch() + " is already held with a different key; refusing to replace it");
        }
        TreeMap<Long, MeshKey> updated = new TreeMap<>(meshKeys);
        updated.put(key.epoch(), key);
        persist(updated);
    }

    @Override
    public synchronized void joinMesh(List<MeshKey> keys) throws CryptoException {
        if (keys.isEmpty()) {
            throw new CryptoException("joining a mesh needs at least one mesh key");
        }
        persist(index(keys));
    }

    private void persist(TreeMap<Long, MeshKey> updated) throws CryptoException {
        store.write(new KeyMaterial(identitySeed, recoveryEntropy, new ArrayList<>(updated.values()), secrets));
        meshKeys = updated;
    }

    // ---- other plugins' secrets ----

    @Override
    public synchronized byte[] secret(String name, java.util.function.Supplier<byte[]> initial) throws CryptoException {
        if (name == null || !name.matches("[A-Za-z0-9._/-]{1,128}")) {
            throw new CryptoException("a secret's name is 1 to 128 characters of letters, digits and ._/-, not '" + name + "'");
        }
        byte[] held = secrets.get(name);
        if (held != null) {
            return held.clone();
        }
        if (secrets.size() >= KeyMaterial.MAX_SECRETS) {
            throw new CryptoException("the key store already keeps " + KeyMaterial.MAX_SECRETS + " secrets; cannot keep '" + name + "'");
        }
        byte[] value;
        try {
            value = initial.get();
        } catch (RuntimeException e) {
            throw new CryptoException("the secret '" + name + "' could not be made: " + e.getMessage(), e);
        }
        if (value == null || value.length == 0 || value.length > KeyMaterial.MAX_SECRET) {
            throw new CryptoException("a secret is 1 to " + KeyMaterial.MAX_SECRET + " bytes; '" + name + "' would be "
                    + (value == null ? "null" : value.length + " bytes"));
        }
        KeyMaterial next = new KeyMaterial(identitySeed, recoveryEntropy, new ArrayList<>(meshKeys.values()), secrets).withSecret(name, value);
        store.write(next);
        secrets = next.secrets();
        return value.clone();
    }

    // ---- recovery ----

    @Override
    public List<String> mnemonic() {
        return bip39.toMnemonic(recoveryEntropy);
    }

    @Override
    public void verify(List<String> words) throws CryptoException {
        byte[] entropy = bip39.toEntropy(words);
        if (!MessageDigest.isEqual(entropy, recoveryEntropy)) {
            throw new InvalidMnemonicException(Reason.NOT_THIS_NODE, 0,
                    "the words form a valid recovery phrase, but not the one of this node");
        }
    }

    @Override
    public synchronized void adoptMnemonic(List<String> words) throws CryptoException {
        byte[] entropy = bip39.toEntropy(words);
        if (MessageDigest.isEqual(entropy, recoveryEntropy)) {
            return;
        }
        // Written first: a failed write leaves the old phrase in force on disk and in memory.
        // Other plugins' secrets (the store key among them) stay: a restored home must still open its store.
        store.write(new KeyMaterial(identitySeed, entropy, new ArrayList<>(meshKeys.values()), secrets));
        recoveryEntropy = entropy;
    }

    @Override
    public byte[] recoveryKey() throws CryptoException {
        return deriveRecoveryKey(mnemonic());
    }

    @Override
    public byte[] deriveRecoveryKey(List<String> words) throws CryptoException {
        byte[] seed = bip39.seed(words, "");
        try {
            return Hkdf.sha256(seed, null, RECOVERY_INFO, 32);
        } finally {
            java.util.Arrays.fill(seed, (byte) 0);
        }
    }
}

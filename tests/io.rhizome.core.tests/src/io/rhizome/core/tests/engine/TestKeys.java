package io.rhizome.core.tests.engine;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.bouncycastle.math.ec.rfc8032.Ed25519;

import io.rhizome.spi.crypto.CryptoException;
import io.rhizome.spi.crypto.EncryptionProvider;
import io.rhizome.spi.crypto.KeyService;

/**
 * A key service held in memory, for several engines in one framework: a fresh Ed25519 identity
 * (signing through the real provider) and the mesh keys it is given.
 */
public final class TestKeys implements KeyService {

    private final EncryptionProvider provider;
    private final byte[] seed = new byte[32];
    private final byte[] publicKey = new byte[32];
    private final Map<Long, MeshKey> mesh = new TreeMap<>();

    public TestKeys(EncryptionProvider provider, MeshKey... keys) {
        this.provider = provider;
        new SecureRandom().nextBytes(seed);
        Ed25519.generatePublicKey(seed, 0, publicKey, 0);
        for (MeshKey k : keys) {
            mesh.put(k.epoch(), k);
        }
    }

    public static MeshKey randomMeshKey(long epoch) {
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        return new MeshKey(epoch, k);
    }

    @Override
    public String deviceId() {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(publicKey);
    }

    @Override
    public String fingerprint() {
        return deviceId().substring(0, 8);
    }

    @Override
    public byte[] identityPublicKey() {
        return publicKey.clone();
    }

    @Override
    public byte[] signWithIdentity(byte[] message) throws CryptoException {
        return provider.sign(seed, message);
    }

    @Override
    public MeshKey currentMeshKey() {
        return ((TreeMap<Long, MeshKey>) mesh).lastEntry().getValue();
    }

    @Override
    public Optional<MeshKey> meshKey(long epoch) {
        return Optional.ofNullable(mesh.get(epoch));
    }

    @Override
    public List<Long> epochs() {
        return List.copyOf(mesh.keySet());
    }

    @Override
    public MeshKey rotateMeshKey() {
        MeshKey k = randomMeshKey(((TreeMap<Long, MeshKey>) mesh).lastKey() + 1);
        mesh.put(k.epoch(), k);
        return k;
    }

    @Override
    public void installMeshKey(MeshKey key) {
        mesh.put(key.epoch(), key);
    }

    @Override
    public void joinMesh(List<MeshKey> keys) {
        keys.forEach(this::installMeshKey);
    }
}

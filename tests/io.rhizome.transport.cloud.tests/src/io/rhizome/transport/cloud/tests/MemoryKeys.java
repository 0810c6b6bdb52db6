package io.rhizome.transport.cloud.tests;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

import org.bouncycastle.math.ec.rfc8032.Ed25519;

import io.rhizome.spi.crypto.CryptoException;
import io.rhizome.spi.crypto.EncryptionProvider;
import io.rhizome.spi.crypto.KeyService;

/** A device's keys held in memory: a fresh Ed25519 identity signing through the real provider, and its mesh keys. */
final class MemoryKeys implements KeyService {

    private final EncryptionProvider provider;
    private final byte[] seed = new byte[32];
    private final byte[] publicKey = new byte[32];
    private final TreeMap<Long, MeshKey> mesh = new TreeMap<>();

    MemoryKeys(EncryptionProvider provider, MeshKey... keys) {
        this.provider = provider;
        new SecureRandom().nextBytes(seed);
        Ed25519.generatePublicKey(seed, 0, publicKey, 0);
        for (MeshKey k : keys) {
            mesh.put(k.epoch(), k);
        }
    }

    static MeshKey randomMeshKey(long epoch) {
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        return new MeshKey(epoch, k);
    }

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
        return deviceId().substring(0, 8);
    }

    @Override
    public byte[] signWithIdentity(byte[] message) throws CryptoException {
        return provider.sign(seed, message);
    }

    @Override
    public synchronized MeshKey currentMeshKey() {
        return mesh.lastEntry().getValue();
    }

    @Override
    public synchronized Optional<MeshKey> meshKey(long epoch) {
        return Optional.ofNullable(mesh.get(epoch));
    }

    @Override
    public synchronized List<Long> epochs() {
        return List.copyOf(mesh.keySet());
    }

    @Override
    public synchronized MeshKey rotateMeshKey() {
        MeshKey k = randomMeshKey(mesh.lastKey() + 1);
        mesh.put(k.epoch(), k);
        return k;
    }

    @Override
    public synchronized void installMeshKey(MeshKey key) {
        mesh.put(key.epoch(), key);
    }

    @Override
    public synchronized void joinMesh(List<MeshKey> keys) {
        keys.forEach(this::installMeshKey);
    }
}

package io.rhizome.pairing.internal;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

import io.rhizome.spi.crypto.CryptoException;
import io.rhizome.spi.crypto.KeyService;

/** An in-memory KeyService with the real contract for mesh keys (epochs, install conflicts, join). */
final class TestKeys implements KeyService {

    private static final SecureRandom RANDOM = new SecureRandom();
    private final byte[] publicKey = new byte[32];
    private TreeMap<Long, MeshKey> mesh = new TreeMap<>();
    /** While set, every change of the mesh keys fails as a full disk would, changing nothing. */
    volatile boolean failKeyWrites;

    private void checkWritable() throws CryptoException {
        if (failKeyWrites) {
            throw new CryptoException("simulated: the key store cannot be written");
        }
    }

    /** A real Ed25519 identity: pairing signs what the device's transports announce. */
    private final byte[] seed = new byte[32];

    TestKeys() {
        RANDOM.nextBytes(seed);
        org.bouncycastle.math.ec.rfc8032.Ed25519.generatePublicKey(seed, 0, publicKey, 0);
        mesh.put(0L, new MeshKey(0, random32()));
    }

    private static byte[] random32() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return b;
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
        return DeviceIds.fingerprint(deviceId());
    }

    @Override
    public byte[] signWithIdentity(byte[] message) {
        byte[] sig = new byte[org.bouncycastle.math.ec.rfc8032.Ed25519.SIGNATURE_SIZE];
        org.bouncycastle.math.ec.rfc8032.Ed25519.sign(seed, 0, publicKey, 0, message, 0, message.length, sig, 0);
        return sig;
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
    public synchronized MeshKey rotateMeshKey() throws CryptoException {
        checkWritable();
        MeshKey k = new MeshKey(mesh.lastKey() + 1, random32());
        mesh.put(k.epoch(), k);
        return k;
    }

    @Override
    public synchronized void installMeshKey(MeshKey key) throws CryptoException {
        checkWritable();
        MeshKey held = mesh.get(key.epoch());
        if (held != null && !held.equals(key)) {
            throw new CryptoException("epoch " + key.epoch() + " held with a different key");
        }
        mesh.put(key.epoch(), key);
    }

    @Override
    public synchronized void joinMesh(List<MeshKey> keys) throws CryptoException {
        checkWritable();
        if (keys.isEmpty()) {
            throw new CryptoException("no keys");
        }
        TreeMap<Long, MeshKey> m = new TreeMap<>();
        keys.forEach(k -> m.put(k.epoch(), k));
        mesh = m;
    }
}

package io.rhizome.transport.wireguard.tests;

import java.util.List;
import java.util.Optional;

import io.rhizome.spi.crypto.KeyService;

/**
 * A KeyService that knows its device id and keeps plugin secrets in memory: all the WireGuard
 * component asks of it.
 */
class FixedKeys implements KeyService {

    private final String deviceId;
    final java.util.Map<String, byte[]> secrets = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public synchronized byte[] secret(String name, java.util.function.Supplier<byte[]> initial) throws io.rhizome.spi.crypto.CryptoException {
        byte[] held = secrets.get(name);
        if (held == null) {
            try {
                held = initial.get().clone();
            } catch (RuntimeException e) {
                throw new io.rhizome.spi.crypto.CryptoException("the secret '" + name + "' could not be made: " + e.getMessage(), e);
            }
            secrets.put(name, held);
        }
        return held.clone();
    }

    FixedKeys(String deviceId) {
        this.deviceId = deviceId;
    }

    @Override
    public String deviceId() {
        return deviceId;
    }

    @Override
    public byte[] identityPublicKey() {
        return new byte[32];
    }

    @Override
    public String fingerprint() {
        return deviceId;
    }

    @Override
    public byte[] signWithIdentity(byte[] message) {
        throw new UnsupportedOperationException("not used by the WireGuard transport");
    }

    @Override
    public MeshKey currentMeshKey() {
        throw new UnsupportedOperationException("not used by the WireGuard transport");
    }

    @Override
    public Optional<MeshKey> meshKey(long epoch) {
        return Optional.empty();
    }

    @Override
    public List<Long> epochs() {
        return List.of();
    }

    @Override
    public MeshKey rotateMeshKey() {
        throw new UnsupportedOperationException("not used by the WireGuard transport");
    }

    @Override
    public void installMeshKey(MeshKey key) {
        throw new UnsupportedOperationException("not used by the WireGuard transport");
    }

    @Override
    public void joinMesh(List<MeshKey> keys) {
        throw new UnsupportedOperationException("not used by the WireGuard transport");
    }
}

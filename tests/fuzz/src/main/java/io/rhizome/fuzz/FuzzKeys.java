package io.rhizome.fuzz;

import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import org.bouncycastle.math.ec.rfc8032.Ed25519;

import io.rhizome.spi.crypto.CryptoException;
import io.rhizome.spi.crypto.EncryptionProvider;
import io.rhizome.spi.crypto.KeyService;

/**
 * A device's keys for fuzz targets that need the real seal: a fixed Ed25519 identity (so that seeds
 * written once still open) signing through the real provider, and one fixed mesh key (epoch 0).
 */
public final class FuzzKeys implements KeyService {

    private final EncryptionProvider provider;
    private final byte[] seed = new byte[32];
    private final byte[] publicKey = new byte[32];
    private final MeshKey mesh;

    public FuzzKeys(EncryptionProvider provider, int id) {
        this.provider = provider;
        Arrays.fill(seed, (byte) id);
        Ed25519.generatePublicKey(seed, 0, publicKey, 0);
        byte[] k = new byte[32];
        Arrays.fill(k, (byte) 0x5a);
        mesh = new MeshKey(0, k);
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
    public MeshKey currentMeshKey() {
        return mesh;
    }

    @Override
    public Optional<MeshKey> meshKey(long epoch) {
        return epoch == 0 ? Optional.of(mesh) : Optional.empty();
    }

    @Override
    public List<Long> epochs() {
        return List.of(0L);
    }

    @Override
    public MeshKey rotateMeshKey() throws CryptoException {
        throw new CryptoException("the fuzz keys do not rotate");
    }

    @Override
    public void installMeshKey(MeshKey key) throws CryptoException {
        throw new CryptoException("the fuzz keys take no new mesh key");
    }

    @Override
    public void joinMesh(List<MeshKey> keys) throws CryptoException {
        throw new CryptoException("the fuzz keys join no mesh");
    }
}

package io.rhizome.hub.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import io.rhizome.spi.crypto.CryptoException;
import io.rhizome.spi.crypto.Fingerprints;
import io.rhizome.spi.crypto.KeyService;

/**
 * The hub's keys: an Ed25519 identity (its libp2p identity and the key it is trusted by) and
 * <em>no mesh key</em>, ever. Every mesh-key method refuses, so nothing running in the hub can
 * seal or open a change set; {@code HOME/hub/identity.key} (32 random bytes, mode 0600) and the
 * store's key ({@link HubSecrets}, so the hub's store is sealed at rest like a device's) are the
 * only secrets in the hub's home.
 */
public final class HubKeys implements KeyService {

    private final byte[] seed;
    private final byte[] publicKey;
    private final HubSecrets secrets;

    private HubKeys(byte[] seed, Path folder) {
        this.seed = seed;
        this.publicKey = Ed25519.publicKeyOf(seed);
        this.secrets = new HubSecrets(folder.resolve("secrets"));
    }

    /** Opens {@code file}, creating a fresh identity the first time. */
    public static HubKeys open(Path file) throws IOException {
        if (Files.exists(file)) {
            byte[] seed = Files.readAllBytes(file);
            if (seed.length != 32) {
                throw new IOException(file + " is not a hub identity (32 bytes expected, found " + seed.length + "); restore it or delete it to start as a new hub");
            }
            return new HubKeys(seed, file.getParent());
        }
        Files.createDirectories(file.getParent());
        byte[] seed = new byte[32];
        new SecureRandom().nextBytes(seed);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, seed);
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the folder's own protection applies
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        return new HubKeys(seed, file.getParent());
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
        return Fingerprints.of(publicKey);
    }

    @Override
    public byte[] signWithIdentity(byte[] message) {
        return Ed25519.sign(seed, message);
    }

    @Override
    public MeshKey currentMeshKey() {
        throw new IllegalStateException("a hub holds no mesh key: it stores and serves sealed change sets without opening them");
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
    public MeshKey rotateMeshKey() throws CryptoException {
        throw refused();
    }

    @Override
    public void installMeshKey(MeshKey key) throws CryptoException {
        throw refused();
    }

    @Override
    public void joinMesh(List<MeshKey> keys) throws CryptoException {
        throw refused();
    }

    /** Other plugins' secrets (the store's key), kept in {@code HOME/hub/secrets} like the identity. */
    @Override
    public byte[] secret(String name, java.util.function.Supplier<byte[]> initial) throws CryptoException {
        return secrets.secret(name, initial);
    }

    private static CryptoException refused() {
        return new CryptoException("a hub never holds a mesh key; pair a device, not the hub, to join a mesh");
    }
}

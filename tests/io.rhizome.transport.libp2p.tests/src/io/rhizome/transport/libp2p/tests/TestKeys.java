package io.rhizome.transport.libp2p.tests;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

import io.rhizome.spi.crypto.KeyService;
import io.rhizome.transport.libp2p.internal.multiformats.PeerId;

/** A KeyService for tests: an Ed25519 identity from Bouncy Castle and mesh keys held in memory. */
public final class TestKeys implements KeyService {

    private final Ed25519PrivateKeyParameters key;
    private final ConcurrentSkipListMap<Long, MeshKey> mesh = new ConcurrentSkipListMap<>(Map.of(1L, new MeshKey(1, new byte[32])));

    private TestKeys(Ed25519PrivateKeyParameters key) {
        this.key = key;
    }

    public static TestKeys random() {
        return new TestKeys(new Ed25519PrivateKeyParameters(new SecureRandom()));
    }

    public static TestKeys fromSeed(byte[] seed) {
        return new TestKeys(new Ed25519PrivateKeyParameters(seed, 0));
    }

    /** The device id as the SPI defines it: the Ed25519 public key, base64url without padding. */
    @Override
    public String deviceId() {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(identityPublicKey());
    }

    /** The libp2p PeerId of the same key. */
    public PeerId peerId() {
        return PeerId.fromEd25519(identityPublicKey());
    }

    @Override
    public String fingerprint() {
        return deviceId().substring(0, 8);
    }

    @Override
    public List<Long> epochs() {
        return List.copyOf(mesh.keySet());
    }

    @Override
    public MeshKey rotateMeshKey() {
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        MeshKey next = new MeshKey(mesh.lastKey() + 1, k);
        mesh.put(next.epoch(), next);
        return next;
    }

    @Override
    public void installMeshKey(MeshKey k) {
        mesh.put(k.epoch(), k);
    }

    @Override
    public void joinMesh(List<MeshKey> keys) {
        keys.forEach(this::installMeshKey);
    }

    @Override
    public byte[] identityPublicKey() {
        return key.generatePublicKey().getEncoded();
    }

    @Override
    public byte[] signWithIdentity(byte[] message) {
        Ed25519Signer s = new Ed25519Signer();
        s.init(true, key);
        s.update(message, 0, message.length);
        return s.generateSignature();
    }

    @Override
    public MeshKey currentMeshKey() {
        return mesh.lastEntry().getValue();
    }

    @Override
    public Optional<MeshKey> meshKey(long epoch) {
        return Optional.ofNullable(mesh.get(epoch));
    }
}

package io.rhizome.transport.libp2p.tests;

import java.security.SecureRandom;
import java.util.Optional;

import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

import io.rhizome.spi.crypto.KeyService;
import io.rhizome.transport.libp2p.internal.multiformats.PeerId;

/** A KeyService for tests: an Ed25519 identity from Bouncy Castle, one fixed mesh key. */
public final class TestKeys implements KeyService {

    private final Ed25519PrivateKeyParameters key;

    private TestKeys(Ed25519PrivateKeyParameters key) {
        this.key = key;
    }

    public static TestKeys random() {
        return new TestKeys(new Ed25519PrivateKeyParameters(new SecureRandom()));
    }

    public static TestKeys fromSeed(byte[] seed) {
        return new TestKeys(new Ed25519PrivateKeyParameters(seed, 0));
    }

    @Override
    public String deviceId() {
        return PeerId.fromEd25519(identityPublicKey()).toBase58();
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
        return new MeshKey(1, new byte[32]);
    }

    @Override
    public Optional<MeshKey> meshKey(long epoch) {
        return epoch == 1 ? Optional.of(currentMeshKey()) : Optional.empty();
    }
}

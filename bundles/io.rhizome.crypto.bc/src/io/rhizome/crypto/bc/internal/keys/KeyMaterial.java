package io.rhizome.crypto.bc.internal.keys;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import io.rhizome.spi.crypto.KeyService.MeshKey;

/** The secrets of a node, as they are serialized inside the encrypted key store. */
record KeyMaterial(byte[] identitySeed, byte[] recoveryEntropy, List<MeshKey> meshKeys) {

    static final int MAX_MESH_KEYS = 100_000;

    KeyMaterial {
        identitySeed = identitySeed.clone();
        recoveryEntropy = recoveryEntropy.clone();
        meshKeys = List.copyOf(meshKeys);
    }

    @Override
    public byte[] identitySeed() {
        return identitySeed.clone();
    }

    @Override
    public byte[] recoveryEntropy() {
        return recoveryEntropy.clone();
    }

    /** seed(32) | entropy(32) | u32 n | n x (u64 epoch | key(32)). */
    byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(64 + 4 + meshKeys.size() * 40);
        b.put(identitySeed).put(recoveryEntropy).putInt(meshKeys.size());
        for (MeshKey k : meshKeys) {
            b.putLong(k.epoch()).put(k.key());
        }
        return b.array();
    }

    /** Only ever called on authenticated plaintext; the checks guard against a format bug, not an attacker. */
    static KeyMaterial decode(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        if (bytes.length < 68) {
            throw new IllegalArgumentException("key material too short");
        }
        byte[] seed = new byte[32];
        byte[] entropy = new byte[32];
        b.get(seed).get(entropy);
        int n = b.getInt();
        if (n < 1 || n > MAX_MESH_KEYS || b.remaining() != n * 40) {
            throw new IllegalArgumentException("key material has an inconsistent mesh key count");
        }
        List<MeshKey> keys = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long epoch = b.getLong();
            byte[] k = new byte[32];
            b.get(k);
            keys.add(new MeshKey(epoch, k));
        }
        return new KeyMaterial(seed, entropy, keys);
    }
}

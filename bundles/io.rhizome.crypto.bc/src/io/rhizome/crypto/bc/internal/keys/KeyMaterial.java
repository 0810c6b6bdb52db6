package io.rhizome.crypto.bc.internal.keys;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import io.rhizome.spi.crypto.KeyService.MeshKey;

/**
 * The secrets of a node, as they are serialized inside the encrypted key store: identity, recovery
 * entropy, mesh keys, and the secrets other plugins keep here ({@code KeyService#secret}), by name.
 */
record KeyMaterial(byte[] identitySeed, byte[] recoveryEntropy, List<MeshKey> meshKeys, Map<String, byte[]> secrets) {

    static final int MAX_MESH_KEYS = 100_000;
    static final int MAX_SECRETS = 256;
    static final int MAX_SECRET = 1024;

    KeyMaterial {
        identitySeed = identitySeed.clone();
        recoveryEntropy = recoveryEntropy.clone();
        meshKeys = List.copyOf(meshKeys);
        TreeMap<String, byte[]> copy = new TreeMap<>();
        secrets.forEach((k, v) -> copy.put(k, v.clone()));
        secrets = Collections.unmodifiableSortedMap(copy);
    }

    KeyMaterial(byte[] identitySeed, byte[] recoveryEntropy, List<MeshKey> meshKeys) {
        this(identitySeed, recoveryEntropy, meshKeys, Map.of());
    }

    /** A copy of one plugin secret. */
    Optional<byte[]> secret(String name) {
        return Optional.ofNullable(secrets.get(name)).map(byte[]::clone);
    }

    KeyMaterial withSecret(String name, byte[] value) {
        Map<String, byte[]> more = new TreeMap<>(secrets);
        more.put(name, value);
        return new KeyMaterial(identitySeed, recoveryEntropy, meshKeys, more);
    }

    @Override
    public byte[] identitySeed() {
        return identitySeed.clone();
    }

    @Override
    public byte[] recoveryEntropy() {
        return recoveryEntropy.clone();
    }

    /**
     * seed(32) | entropy(32) | u32 n | n x (u64 epoch | key(32)), then, only when there are plugin
     * secrets, u32 m | m x (u16 name length | name UTF-8 | u16 length | secret): a store without
     * them is byte for byte what nodes before plugin secrets wrote and read.
     */
    byte[] encode() {
        int size = 64 + 4 + meshKeys.size() * 40;
        if (!secrets.isEmpty()) {
            size += 4;
            for (Map.Entry<String, byte[]> e : secrets.entrySet()) {
                size += 4 + e.getKey().getBytes(StandardCharsets.UTF_8).length + e.getValue().length;
            }
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put(identitySeed).put(recoveryEntropy).putInt(meshKeys.size());
        for (MeshKey k : meshKeys) {
            b.putLong(k.epoch()).put(k.key());
        }
        if (!secrets.isEmpty()) {
            b.putInt(secrets.size());
            for (Map.Entry<String, byte[]> e : secrets.entrySet()) {
                byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
                b.putShort((short) name.length).put(name).putShort((short) e.getValue().length).put(e.getValue());
            }
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
        if (n < 1 || n > MAX_MESH_KEYS || b.remaining() < (long) n * 40) {
            throw new IllegalArgumentException("key material has an inconsistent mesh key count");
        }
        List<MeshKey> keys = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long epoch = b.getLong();
            byte[] k = new byte[32];
            b.get(k);
            keys.add(new MeshKey(epoch, k));
        }
        Map<String, byte[]> secrets = new TreeMap<>();
        if (b.hasRemaining()) {
            int m = b.remaining() >= 4 ? b.getInt() : -1;
            if (m < 1 || m > MAX_SECRETS) {
                throw new IllegalArgumentException("key material has an inconsistent secret count");
            }
            for (int i = 0; i < m; i++) {
                byte[] name = field(b);
                byte[] value = field(b);
                secrets.put(new String(name, StandardCharsets.UTF_8), value);
            }
            if (b.hasRemaining()) {
                throw new IllegalArgumentException("key material has " + b.remaining() + " bytes after its last secret");
            }
        }
        return new KeyMaterial(seed, entropy, keys, secrets);
    }

    private static byte[] field(ByteBuffer b) {
        if (b.remaining() < 2) {
            throw new IllegalArgumentException("key material ends inside a secret");
        }
        int length = b.getShort() & 0xffff;
        if (b.remaining() < length) {
            throw new IllegalArgumentException("key material ends inside a secret");
        }
        byte[] out = new byte[length];
        b.get(out);
        return out;
    }
}

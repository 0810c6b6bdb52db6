package io.rhizome.store.mapdb.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** The store key of the tests' stores: fixed, so that a store reopened (also by another process) opens. */
final class TestStoreKey {

    static final byte[] KEY = sha256("rhizome store tests' store key");

    private TestStoreKey() {
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

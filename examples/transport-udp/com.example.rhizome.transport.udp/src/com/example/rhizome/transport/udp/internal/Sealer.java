package com.example.rhizome.transport.udp.internal;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.Optional;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * ChaCha20-Poly1305 for one direction of one link. The nonce is the packet's nonce space (data,
 * control, accept) and its 64-bit counter, so a key never seals two different packets under one
 * nonce: data packets are numbered by their sequence number (a retransmission sends the very same
 * sealed bytes again), control packets by a counter of their own. The cleartext header (type,
 * connection id, counter) is the associated data, so it cannot be altered either.
 */
final class Sealer {

    static final int TAG = 16;

    private final SecretKeySpec key;

    Sealer(byte[] key) {
        this.key = new SecretKeySpec(key, "ChaCha20");
    }

    /** {@code header} (ending with the counter) followed by the sealed {@code plaintext}. */
    byte[] seal(byte[] header, byte space, long counter, byte[] plaintext, int offset, int length) {
        try {
            Cipher c = Cipher.getInstance("ChaCha20-Poly1305");
            c.init(Cipher.ENCRYPT_MODE, key, new IvParameterSpec(nonce(space, counter)));
            c.updateAAD(header);
            byte[] out = new byte[header.length + length + TAG];
            System.arraycopy(header, 0, out, 0, header.length);
            c.doFinal(plaintext, offset, length, out, header.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ChaCha20-Poly1305 is part of every JDK 11+: " + e, e);
        }
    }

    /** The plaintext of a packet whose first {@code headerLength} bytes are its header; empty if forged or damaged. */
    Optional<byte[]> open(byte[] packet, int length, int headerLength, byte space, long counter) {
        if (length < headerLength + TAG) {
            return Optional.empty();
        }
        try {
            Cipher c = Cipher.getInstance("ChaCha20-Poly1305");
            c.init(Cipher.DECRYPT_MODE, key, new IvParameterSpec(nonce(space, counter)));
            c.updateAAD(packet, 0, headerLength);
            return Optional.of(c.doFinal(packet, headerLength, length - headerLength));
        } catch (AEADBadTagException e) {
            return Optional.empty();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ChaCha20-Poly1305 is part of every JDK 11+: " + e, e);
        }
    }

    private static byte[] nonce(byte space, long counter) {
        return ByteBuffer.allocate(12).put(space).put(new byte[3]).putLong(counter).array();
    }
}

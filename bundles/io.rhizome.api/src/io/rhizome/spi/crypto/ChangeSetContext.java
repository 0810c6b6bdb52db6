package io.rhizome.spi.crypto;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Where a change set belongs: namespace, change-set id, author device and mesh key epoch. Its
 * canonical encoding ({@link #associatedData()}) is the associated data of the change set's AEAD
 * box and part of the signed message, so a sealed change set moved to another namespace, id, author
 * or epoch fails to open.
 *
 * @param namespace    namespace name, 1..255 UTF-8 bytes
 * @param changeSetId  change-set id, 1..255 UTF-8 bytes
 * @param authorDevice the author's 32-byte Ed25519 public key (its device identity)
 * @param epoch        the mesh key epoch the change set is sealed under, {@code >= 0}
 * @since 0.1
 */
public record ChangeSetContext(String namespace, String changeSetId, byte[] authorDevice, long epoch) {

    /** Length of an Ed25519 public key. */
    public static final int DEVICE_KEY_LENGTH = 32;
    private static final byte[] DOMAIN = "rhizome/change-set/v1".getBytes(StandardCharsets.US_ASCII);

    /** @throws IllegalArgumentException if a field is missing or out of range; the message says which */
    public ChangeSetContext {
        checkText("namespace", namespace);
        checkText("changeSetId", changeSetId);
        if (authorDevice == null || authorDevice.length != DEVICE_KEY_LENGTH) {
            throw new IllegalArgumentException("authorDevice must be a " + DEVICE_KEY_LENGTH + "-byte Ed25519 public key, got "
                    + (authorDevice == null ? "none" : authorDevice.length + " bytes"));
        }
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        }
        authorDevice = authorDevice.clone();
    }

    private static void checkText(String field, String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(field + " is required");
        }
        int len = value.getBytes(StandardCharsets.UTF_8).length;
        if (len > 255) {
            throw new IllegalArgumentException(field + " is " + len + " UTF-8 bytes; at most 255 allowed");
        }
    }

    @Override
    public byte[] authorDevice() {
        return authorDevice.clone();
    }

    /**
     * The canonical, injective encoding: a domain label, then each text field as one length byte
     * plus UTF-8, then the 32-byte author key and the 8-byte big-endian epoch.
     */
    public byte[] associatedData() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(DOMAIN.length + 2 * 64 + DEVICE_KEY_LENGTH + 8);
        out.writeBytes(DOMAIN);
        byte[] ns = namespace.getBytes(StandardCharsets.UTF_8);
        out.write(ns.length);
        out.writeBytes(ns);
        byte[] id = changeSetId.getBytes(StandardCharsets.UTF_8);
        out.write(id.length);
        out.writeBytes(id);
        out.writeBytes(authorDevice);
        out.writeBytes(ByteBuffer.allocate(8).putLong(epoch).array());
        return out.toByteArray();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChangeSetContext c && c.namespace.equals(namespace) && c.changeSetId.equals(changeSetId)
                && Arrays.equals(c.authorDevice, authorDevice) && c.epoch == epoch;
    }

    @Override
    public int hashCode() {
        return (namespace.hashCode() * 31 + changeSetId.hashCode()) * 31 + Long.hashCode(epoch);
    }

    @Override
    public String toString() {
        return "ChangeSetContext[" + namespace + "/" + changeSetId + ", epoch=" + epoch + "]";
    }
}

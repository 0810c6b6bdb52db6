package io.rhizome.backup.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

import javax.crypto.AEADBadTagException;

/**
 * One chunk file: {@code RZBKCHK1}, the snapshot id (length-prefixed) and chunk index in clear, then
 * an AES-GCM box of the compressed piece whose associated data is that prefix. The clear id lets a
 * chunk copied in from another backup be named as such; the seal makes it unusable anyway.
 */
final class ChunkCodec {

    private static final byte[] MAGIC = "RZBKCHK1".getBytes(StandardCharsets.US_ASCII);

    private ChunkCodec() {
    }

    static byte[] seal(BackupKeys keys, String snapshot, int index, byte[] piece) {
        byte[] prefix = prefix(snapshot, index);
        byte[] box = Aead.seal(keys.chunkKey(), prefix, piece);
        byte[] out = Arrays.copyOf(prefix, prefix.length + box.length);
        System.arraycopy(box, 0, out, prefix.length, box.length);
        return out;
    }

    /** Checks a chunk against its manifest entry and opens it. */
    static byte[] open(BackupKeys keys, String snapshot, int index, Manifest.ChunkRef ref, byte[] file)
            throws BackupRefusedException {
        String name = check(snapshot, index, ref, file);
        byte[] prefix = prefix(snapshot, index);
        try {
            return Aead.open(keys.chunkKey(), prefix, file, prefix.length);
        } catch (AEADBadTagException e) {
            throw new BackupRefusedException(name + " is damaged: its seal does not verify", e);
        }
    }

    /**
     * Checks a chunk against its manifest entry without opening it: owner, size, SHA-256, index. The
     * manifest is authenticated by its own seal under a key only the words give, so a chunk with the
     * listed SHA-256 is the very file the backup sealed, whose seal then opens: a restore checks the
     * whole chain this way first (one pass of SHA-256 instead of one of AES-GCM) and opens each
     * chunk once, while reading it.
     *
     * @return the chunk's name for messages
     */
    static String check(String snapshot, int index, Manifest.ChunkRef ref, byte[] file) throws BackupRefusedException {
        String name = "chunk " + index + " of snapshot " + snapshot;
        String owner = ownerOf(file);
        if (owner != null && !owner.equals(snapshot)) {
            throw new BackupRefusedException(name + " comes from another backup (snapshot " + owner + ")");
        }
        if (file.length != ref.size() || !sha256(file).equals(ref.sha256())) {
            throw new BackupRefusedException(name + " is damaged: " + file.length + " bytes whose SHA-256 differs"
                    + " from the manifest's (" + ref.size() + " bytes expected)");
        }
        byte[] prefix = prefix(snapshot, index);
        if (!Arrays.equals(prefix, Arrays.copyOf(file, prefix.length))) {
            throw new BackupRefusedException(name + " is stored under another index");
        }
        return name;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    private static String ownerOf(byte[] file) {
        if (file.length < MAGIC.length + 1 || !Arrays.equals(MAGIC, Arrays.copyOf(file, MAGIC.length))) {
            return null;
        }
        int length = file[MAGIC.length] & 0xff;
        if (file.length < MAGIC.length + 1 + length) {
            return null;
        }
        return new String(file, MAGIC.length + 1, length, StandardCharsets.US_ASCII);
    }

    private static byte[] prefix(String snapshot, int index) {
        byte[] id = snapshot.getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(MAGIC.length + 1 + id.length + 4)
                .put(MAGIC).put((byte) id.length).put(id).putInt(index).array();
    }
}

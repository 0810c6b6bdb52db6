package io.rhizome.transport.cloud;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

import io.rhizome.spi.crypto.CryptoException;
import io.rhizome.spi.crypto.EncryptionProvider;
import io.rhizome.spi.crypto.KeyService;
import io.rhizome.spi.crypto.SealedBox;
import io.rhizome.spi.crypto.UnknownKeyEpochException;

/**
 * The format of every file in the mesh folder. The change sets inside a batch are already sealed
 * by the engine, but their headers (namespace, author, numbers) are readable; so the whole file is
 * sealed again under the mesh key, which leaves the cloud nothing but ciphertext, and signed with
 * the writer's identity key, so that one mesh member cannot pass a file off as another's. The
 * associated data binds a file to its writer, its kind and its channel: a file copied into another
 * device's folder or channel does not open. The body is padded to a multiple of
 * {@value #PAD} bytes, so sizes say little about what was written.
 *
 * <pre>
 * file = "RZC1" | kind (1 byte) | SealedBox(mesh key, inner, ad)
 * inner = Ed25519 signature (64) over (ad | SHA-256(body)) | body
 * body  = length (4) | content | zero padding
 * ad    = "rhizome/cloud-file/v1" | kind | writer device id | 0 | channel
 * </pre>
 */
public final class FileSeal {

    static final int PAD = 4096;
    static final byte BATCH = 'B';
    static final byte MANIFEST = 'M';
    static final byte SNAPSHOT = 'S';
    private static final byte[] MAGIC = "RZC1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DOMAIN = "rhizome/cloud-file/v1".getBytes(StandardCharsets.US_ASCII);
    private static final int SIG = 64;

    /** A file that must not be used: why, and whether it may turn good later (still downloading, key not here yet). */
    public static final class BadFileException extends Exception {
        private static final long serialVersionUID = 1L;
        private final boolean retry;

        BadFileException(String message, boolean retry) {
            super(message);
            this.retry = retry;
        }

        /** True when the file may still be syncing or its key may still arrive: try again later. */
        public boolean retry() {
            return retry;
        }
    }

    private final EncryptionProvider crypto;
    private final KeyService keys;

    public FileSeal(EncryptionProvider crypto, KeyService keys) {
        this.crypto = crypto;
        this.keys = keys;
    }

    byte[] seal(byte kind, String channel, byte[] content) throws CryptoException {
        byte[] ad = ad(kind, keys.deviceId(), channel);
        int length = 4 + content.length;
        int padded = (length + PAD - 1) / PAD * PAD;
        byte[] body = ByteBuffer.allocate(padded).putInt(content.length).put(content).array();
        byte[] signature = keys.signWithIdentity(signed(ad, body));
        byte[] inner = new byte[SIG + body.length];
        System.arraycopy(signature, 0, inner, 0, SIG);
        System.arraycopy(body, 0, inner, SIG, body.length);
        byte[] sealed = crypto.seal(crypto.defaultAlgorithm(), keys.currentMeshKey(), inner, ad);
        return ByteBuffer.allocate(MAGIC.length + 1 + sealed.length).put(MAGIC).put(kind).put(sealed).array();
    }

    /** The content of a file {@code writer} wrote for {@code channel}, checked. */
    byte[] open(byte kind, String writer, String channel, byte[] file) throws BadFileException {
        if (file.length < MAGIC.length + 1 + SealedBox.HEADER_LENGTH || !Arrays.equals(file, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new BadFileException("not a Rhizome cloud file, or only partly downloaded (" + file.length + " bytes)", true);
        }
        if (file[MAGIC.length] != kind) {
            throw new BadFileException("a file of another kind than expected", false);
        }
        byte[] ad = ad(kind, writer, channel);
        byte[] sealed = Arrays.copyOfRange(file, MAGIC.length + 1, file.length);
        byte[] inner;
        try {
            inner = crypto.open(keys::meshKey, sealed, ad);
        } catch (UnknownKeyEpochException e) {
            throw new BadFileException("sealed under a mesh key epoch this device does not hold (yet): " + e.getMessage(), true);
        } catch (CryptoException | RuntimeException e) {
            // Truncated or still syncing looks the same as tampered or foreign from here: retried, never used.
            throw new BadFileException("does not open with this mesh's keys for this writer and channel (partly synced, tampered, copied or foreign): "
                    + e.getMessage(), true);
        }
        if (inner.length < SIG + 4) {
            throw new BadFileException("too short to carry a signature", false);
        }
        byte[] body = Arrays.copyOfRange(inner, SIG, inner.length);
        if (!crypto.verify(publicKey(writer), signed(ad, body), Arrays.copyOf(inner, SIG))) {
            throw new BadFileException("the writer's signature does not verify", false);
        }
        int length = ByteBuffer.wrap(body).getInt();
        if (length < 0 || length > body.length - 4) {
            throw new BadFileException("its length field is out of range", false);
        }
        return Arrays.copyOfRange(body, 4, 4 + length);
    }

    /**
     * The content of a numbered file (a batch or a snapshot) once its name, seal, signature and
     * number check: the name must be its number and its own hash, and the number inside must be the
     * one in the name (a file renamed to another number is replayed).
     */
    byte[] openNumbered(byte kind, String suffix, String writer, String channel, long seq, String name, byte[] file) throws BadFileException {
        if (!name.equals(FileNames.name(seq, file, suffix))) {
            throw new BadFileException("its content does not match its name (partly synced or altered)", true);
        }
        byte[] content = open(kind, writer, channel, file);
        if (content.length < 8 || ByteBuffer.wrap(content, 0, 8).getLong() != seq) {
            throw new BadFileException("it carries another number than its name (replayed)", false);
        }
        return content;
    }

    /** A short content address: the first 16 bytes of the file's SHA-256, in hex. */
    static String address(byte[] file) {
        return HexFormat.of().formatHex(sha256(file), 0, 16);
    }

    /** The folder name of a device: a hash, so that the folder tree names no key. */
    public static String folderOf(String deviceId) {
        return HexFormat.of().formatHex(sha256(("rhizome/cloud-folder/v1|" + deviceId).getBytes(StandardCharsets.UTF_8)), 0, 12);
    }

    private static byte[] publicKey(String deviceId) throws BadFileException {
        try {
            return Base64.getUrlDecoder().decode(deviceId);
        } catch (IllegalArgumentException e) {
            throw new BadFileException("the writer's device id is not a key", false);
        }
    }

    private static byte[] ad(byte kind, String writer, String channel) {
        byte[] w = writer.getBytes(StandardCharsets.UTF_8);
        byte[] c = channel.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(DOMAIN.length + 1 + w.length + 1 + c.length).put(DOMAIN).put(kind).put(w).put((byte) 0).put(c).array();
    }

    private static byte[] signed(byte[] ad, byte[] body) {
        byte[] digest = sha256(body);
        return ByteBuffer.allocate(ad.length + digest.length).put(ad).put(digest).array();
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}

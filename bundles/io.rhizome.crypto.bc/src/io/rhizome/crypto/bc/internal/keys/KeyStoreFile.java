package io.rhizome.crypto.bc.internal.keys;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

import io.rhizome.crypto.bc.internal.Hkdf;
import io.rhizome.crypto.bc.internal.XChaCha20Poly1305;
import io.rhizome.spi.crypto.CryptoException;

/**
 * The encrypted key store in {@code <home>/keys/}: {@value #STORE_FILE} holds the node's secrets
 * sealed with XChaCha20-Poly1305 under a key-encryption key (KEK) that is either derived from a
 * passphrase with Argon2id or, when no passphrase is configured, derived with HKDF from 32 random
 * bytes in {@value #KEY_FILE} (mode 0600). Nothing secret is ever written in plaintext.
 *
 * <pre>
 * magic "RHIZKEYS" | version u8 = 1 | mode u8 (1 key file, 2 Argon2id) | memoryKiB u32 | iterations u32
 * | parallelism u32 | salt (16) | nonce (24) | ciphertext + tag
 * </pre>
 * Everything before the nonce is the associated data, so header changes (weaker Argon2 parameters,
 * another mode) are detected.
 *
 * <p>Writes go to a temporary file that is fsync'ed and atomically moved over the old one: a crash
 * leaves either the old or the new store, never a half-written one. Not thread-safe; {@link NodeKeys}
 * serialises access.
 */
final class KeyStoreFile {

    static final String STORE_FILE = "keystore.bin";
    static final String KEY_FILE = "keystore.kek";
    private static final byte[] MAGIC = "RHIZKEYS".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    private static final int MODE_KEY_FILE = 1;
    private static final int MODE_ARGON2ID = 2;
    private static final int HEADER_LENGTH = MAGIC.length + 2 + 12 + 16;
    private static final int MAX_FILE_LENGTH = 8 << 20;
    private static final byte[] KEK_INFO = "rhizome/keystore-kek/v1".getBytes(StandardCharsets.US_ASCII);
    private static final Set<PosixFilePermission> OWNER_RW = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_RWX = PosixFilePermissions.fromString("rwx------");

    private final Path dir;
    private final byte[] header;
    private final byte[] kek;
    private final SecureRandom random;

    private KeyStoreFile(Path dir, byte[] header, byte[] kek, SecureRandom random) {
        this.dir = dir;
        this.header = header;
        this.kek = kek;
        this.random = random;
    }

    Path storeFile() {
        return dir.resolve(STORE_FILE);
    }

    static boolean exists(Path dir) {
        return Files.exists(dir.resolve(STORE_FILE));
    }

    /** Creates the folder, the KEK (and key file when {@code passphrase} is null) for a new store; writes nothing else yet. */
    static KeyStoreFile create(Path dir, char[] passphrase, Argon2Params params, SecureRandom random) throws CryptoException {
        createPrivateDirectory(dir);
        byte[] salt = new byte[16];
        random.nextBytes(salt);
        byte[] header;
        byte[] kek;
        if (passphrase == null) {
            header = header(MODE_KEY_FILE, new Argon2Params(8, 1, 1), salt);
            kek = Hkdf.sha256(readOrCreateKeyFile(dir, random), salt, KEK_INFO, 32);
        } else {
            header = header(MODE_ARGON2ID, params, salt);
            kek = argon2id(passphrase, salt, params);
        }
        return new KeyStoreFile(dir, header, kek, random);
    }

    /**
     * Opens an existing store and decrypts it.
     *
     * @throws CryptoException with a message that says what to do: passphrase missing or wrong, key
     *                         file missing or readable by others, store file damaged
     */
    static Opened open(Path dir, char[] passphrase) throws CryptoException {
        Path file = dir.resolve(STORE_FILE);
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_LENGTH) {
                throw new CryptoException("key store " + file + " is " + size + " bytes, larger than any valid key store");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new CryptoException("cannot read key store " + file + ": " + e.getMessage(), e);
        }
        if (bytes.length < HEADER_LENGTH + XChaCha20Poly1305.NONCE_LENGTH + XChaCha20Poly1305.TAG_LENGTH
                || !Arrays.equals(Arrays.copyOf(bytes, MAGIC.length), MAGIC)) {
            throw new CryptoException("key store " + file + " is not a Rhizome key store or is truncated");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes, MAGIC.length, HEADER_LENGTH - MAGIC.length);
        int version = b.get() & 0xff;
        int mode = b.get() & 0xff;
        if (version != VERSION) {
            throw new CryptoException("key store " + file + " has version " + version + "; this node reads version " + VERSION);
        }
        Argon2Params params;
        try {
            params = new Argon2Params(b.getInt(), b.getInt(), b.getInt());
        } catch (IllegalArgumentException e) {
            throw new CryptoException("key store " + file + " has out-of-range Argon2 parameters: " + e.getMessage());
        }
        byte[] salt = new byte[16];
        b.get(salt);
        byte[] header = Arrays.copyOf(bytes, HEADER_LENGTH);
        byte[] kek;
        if (mode == MODE_ARGON2ID) {
            if (passphrase == null) {
                throw new CryptoException("key store " + file + " is protected by a passphrase, but none is configured "
                        + "(set the environment variable named by passphrase.env, RHIZOME_KEYSTORE_PASSPHRASE by default)");
            }
            kek = argon2id(passphrase, salt, params);
        } else if (mode == MODE_KEY_FILE) {
            if (passphrase != null) {
                throw new CryptoException("key store " + file + " is protected by the key file " + KEY_FILE
                        + ", but a passphrase is configured; remove the passphrase setting (re-keying is not supported yet)");
            }
            Path keyFile = dir.resolve(KEY_FILE);
            if (!Files.exists(keyFile)) {
                throw new CryptoException("key store " + file + " needs its key file " + keyFile + ", which is missing");
            }
            kek = Hkdf.sha256(readKeyFile(keyFile), salt, KEK_INFO, 32);
        } else {
            throw new CryptoException("key store " + file + " has unknown protection mode " + mode);
        }
        byte[] nonce = Arrays.copyOfRange(bytes, HEADER_LENGTH, HEADER_LENGTH + XChaCha20Poly1305.NONCE_LENGTH);
        byte[] ct = Arrays.copyOfRange(bytes, HEADER_LENGTH + XChaCha20Poly1305.NONCE_LENGTH, bytes.length);
        byte[] plain;
        try {
            plain = XChaCha20Poly1305.decrypt(kek, nonce, ct, header, new byte[0]);
        } catch (InvalidCipherTextException e) {
            throw new CryptoException("cannot decrypt key store " + file + ": "
                    + (mode == MODE_ARGON2ID ? "wrong passphrase" : "wrong key file") + ", or the file was modified");
        }
        try {
            return new Opened(new KeyStoreFile(dir, header, kek, new SecureRandom()), KeyMaterial.decode(plain));
        } catch (IllegalArgumentException e) {
            throw new CryptoException("key store " + file + " decrypted but its content is invalid: " + e.getMessage());
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    record Opened(KeyStoreFile file, KeyMaterial material) {
    }

    /** Encrypts and atomically replaces the store. */
    void write(KeyMaterial material) throws CryptoException {
        byte[] plain = material.encode();
        byte[] nonce = new byte[XChaCha20Poly1305.NONCE_LENGTH];
        random.nextBytes(nonce);
        byte[] ct = XChaCha20Poly1305.encrypt(kek, nonce, plain, header, new byte[0]);
        Arrays.fill(plain, (byte) 0);
        ByteBuffer out = ByteBuffer.allocate(header.length + nonce.length + ct.length).put(header).put(nonce).put(ct);
        Path target = dir.resolve(STORE_FILE);
        Path tmp = dir.resolve(STORE_FILE + ".tmp");
        try {
            Files.deleteIfExists(tmp);
            try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), ownerOnly(OWNER_RW))) {
                out.flip();
                while (out.hasRemaining()) {
                    ch.write(out);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the original failure is the one to report
            }
            throw new CryptoException("cannot write key store " + target + ": " + e.getMessage(), e);
        }
    }

    private static byte[] header(int mode, Argon2Params p, byte[] salt) {
        return ByteBuffer.allocate(HEADER_LENGTH).put(MAGIC).put((byte) VERSION).put((byte) mode)
                .putInt(p.memoryKiB()).putInt(p.iterations()).putInt(p.parallelism()).put(salt).array();
    }

    static byte[] argon2id(char[] passphrase, byte[] salt, Argon2Params p) {
        Argon2BytesGenerator gen = new Argon2BytesGenerator();
        gen.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id).withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(p.memoryKiB()).withIterations(p.iterations()).withParallelism(p.parallelism())
                .withSalt(salt).build());
        byte[] out = new byte[32];
        gen.generateBytes(passphrase, out);
        return out;
    }

    private static byte[] readOrCreateKeyFile(Path dir, SecureRandom random) throws CryptoException {
        Path keyFile = dir.resolve(KEY_FILE);
        if (Files.exists(keyFile)) {
            return readKeyFile(keyFile);
        }
        byte[] key = new byte[32];
        random.nextBytes(key);
        try (FileChannel ch = FileChannel.open(keyFile, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), ownerOnly(OWNER_RW))) {
            ch.write(ByteBuffer.wrap(key));
            ch.force(true);
        } catch (FileAlreadyExistsException e) {
            return readKeyFile(keyFile);
        } catch (IOException e) {
            throw new CryptoException("cannot create key file " + keyFile + ": " + e.getMessage(), e);
        }
        return key;
    }

    private static byte[] readKeyFile(Path keyFile) throws CryptoException {
        try {
            if (isPosix(keyFile)) {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(keyFile);
                if (!OWNER_RW.containsAll(perms)) {
                    throw new CryptoException("key file " + keyFile + " has permissions " + PosixFilePermissions.toString(perms)
                            + "; it must be readable by its owner only (chmod 600)");
                }
            }
            byte[] key = Files.readAllBytes(keyFile);
            if (key.length != 32) {
                throw new CryptoException("key file " + keyFile + " must hold 32 bytes, not " + key.length);
            }
            return key;
        } catch (IOException e) {
            throw new CryptoException("cannot read key file " + keyFile + ": " + e.getMessage(), e);
        }
    }

    private static void createPrivateDirectory(Path dir) throws CryptoException {
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, ownerOnly(OWNER_RWX));
            }
            if (isPosix(dir)) {
                Files.setPosixFilePermissions(dir, EnumSet.copyOf(OWNER_RWX));
            }
        } catch (IOException e) {
            throw new CryptoException("cannot create key folder " + dir + ": " + e.getMessage(), e);
        }
    }

    private static boolean isPosix(Path p) {
        return p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    private static FileAttribute<?>[] ownerOnly(Set<PosixFilePermission> perms) {
        return java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(perms)}
                : new FileAttribute<?>[0];
    }
}

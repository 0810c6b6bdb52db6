package io.rhizome.transport.libp2p.internal.relay;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;

import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

import io.rhizome.transport.libp2p.internal.noise.IdentitySigner;

/**
 * The relay node's only key: an Ed25519 libp2p identity kept as its 32-byte seed in one file of the
 * relay's home (mode 0600), created on first start. A relay has no device key, no mesh key, no data.
 */
public final class FileIdentity implements IdentitySigner {

    public static final String FILE_NAME = "relay-identity.key";

    private final Ed25519PrivateKeyParameters key;

    private FileIdentity(Ed25519PrivateKeyParameters key) {
        this.key = key;
    }

    /** Loads the identity in {@code file}, creating it if absent; a file of the wrong size is refused. */
    public static FileIdentity loadOrCreate(Path file) throws IOException {
        if (Files.exists(file)) {
            byte[] seed = Files.readAllBytes(file);
            if (seed.length != Ed25519PrivateKeyParameters.KEY_SIZE) {
                throw new IOException(file + " is not a relay identity (expected " + Ed25519PrivateKeyParameters.KEY_SIZE
                        + " bytes, found " + seed.length + "); move it away to create a new identity");
            }
            return new FileIdentity(new Ed25519PrivateKeyParameters(seed, 0));
        }
        Ed25519PrivateKeyParameters k = new Ed25519PrivateKeyParameters(new SecureRandom());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(tmp, k.getEncoded(), StandardOpenOption.TRUNCATE_EXISTING);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return new FileIdentity(k);
    }

    @Override
    public byte[] publicKey() {
        return key.generatePublicKey().getEncoded();
    }

    @Override
    public byte[] sign(byte[] data) {
        Ed25519Signer s = new Ed25519Signer();
        s.init(true, key);
        s.update(data, 0, data.length);
        return s.generateSignature();
    }
}

package io.rhizome.hub.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import io.rhizome.spi.crypto.CryptoException;

/**
 * Secrets of other plugins on a hub (the MapDB store's key): one file each under
 * {@code HOME/hub/secrets}, mode 0600, like the hub's identity — a hub holds only ciphertext, so
 * its home is protected by its file permissions, not by a passphrase. Files are written whole
 * (temporary file, fsync, atomic rename) before {@link #secret} returns.
 */
final class HubSecrets {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._/-]{1,128}");
    private static final int MAX_SECRET = 1024;

    private final Path folder;

    HubSecrets(Path folder) {
        this.folder = folder;
    }

    synchronized byte[] secret(String name, Supplier<byte[]> initial) throws CryptoException {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new CryptoException("a secret's name is 1 to 128 characters of [A-Za-z0-9._/-]: " + name);
        }
        Path file = folder.resolve(HexFormat.of().formatHex(name.getBytes(StandardCharsets.US_ASCII)));
        try {
            if (Files.exists(file)) {
                byte[] kept = Files.readAllBytes(file);
                if (kept.length == 0 || kept.length > MAX_SECRET) {
                    throw new CryptoException(file + " (the hub's secret '" + name + "') holds " + kept.length
                            + " bytes, not 1 to " + MAX_SECRET + ": restore it from a copy of the hub's home");
                }
                return kept;
            }
            byte[] made = initial.get();
            if (made == null || made.length == 0 || made.length > MAX_SECRET) {
                throw new CryptoException("the secret '" + name + "' must be 1 to " + MAX_SECRET + " bytes");
            }
            write(file, made);
            return made.clone();
        } catch (IOException e) {
            throw new CryptoException("cannot keep the hub's secret '" + name + "' in " + folder + ": " + e.getMessage(), e);
        }
    }

    private void write(Path file, byte[] bytes) throws IOException {
        Files.createDirectories(folder);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: the folder's own protection applies
            }
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    }
}

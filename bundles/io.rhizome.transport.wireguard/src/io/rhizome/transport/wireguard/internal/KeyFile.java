package io.rhizome.transport.wireguard.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;

import io.rhizome.transport.wireguard.internal.uapi.WgKey;

/**
 * This device's WireGuard private key in the node home, created once (mode 0600, written to a
 * temporary file and moved into place, so a crash never leaves half a key). Kept apart from the
 * KeyService's sealed key store for now: the KeyService SPI has no way to keep a foreign secret yet.
 */
public final class KeyFile {

    private KeyFile() {
    }

    public static WgKey loadOrCreate(Path file) throws IOException {
        if (Files.exists(file)) {
            try {
                return WgKey.fromBase64(Files.readString(file, StandardCharsets.US_ASCII));
            } catch (IllegalArgumentException e) {
                throw new IOException("the WireGuard key file " + file + " does not hold a key (" + e.getMessage()
                        + "); move it away to let the node make a new key", e);
            }
        }
        WgKey key = WgKey.generatePrivate(new SecureRandom());
        Files.createDirectories(file.getParent());
        Path tmp = Files.createTempFile(file.getParent(), ".wg", ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, key.base64() + "\n", StandardCharsets.US_ASCII);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        return key;
    }
}

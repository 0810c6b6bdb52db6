package io.rhizome.rest.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code HOME/api.json}: how a CLI on this machine reaches the daemon. Written atomically and
 * readable by the owner only (mode 0600), because it holds the API key.
 */
public final class ApiFile {

    public static final String NAME = "api.json";

    private ApiFile() {
    }

    public static Path write(Path home, int port, ApiKey key, long pid, ObjectMapper json) throws IOException {
        Files.createDirectories(home);
        Path target = home.resolve(NAME);
        Path tmp = home.resolve(NAME + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system (Windows): the user profile's ACLs protect the home folder.
            Files.createFile(tmp);
        } catch (FileAlreadyExistsException e) {
            throw new IOException("cannot create " + tmp + ": it appeared concurrently", e);
        }
        ObjectNode node = json.createObjectNode();
        node.put("port", port);
        node.put("apiKey", key.value());
        node.put("pid", pid);
        Files.write(tmp, json.writeValueAsString(node).getBytes(StandardCharsets.UTF_8));
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return target;
    }

    /** Removes the file if it still names this process (another daemon may have replaced it). */
    public static void remove(Path home, long pid, ObjectMapper json) {
        Path target = home.resolve(NAME);
        try {
            if (Files.exists(target) && json.readTree(target.toFile()).path("pid").asLong() == pid) {
                Files.delete(target);
            }
        } catch (IOException e) {
            // Best effort at shutdown: a stale file is detected by the CLI (connection refused).
        }
    }
}

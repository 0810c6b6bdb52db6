package io.rhizome.store.postgres.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the database role's password comes from: the first line of a file (a trailing newline is
 * ignored) or, when no file is named, an environment variable of the process. Neither is ever in
 * a configuration or a message. Plain Java only, so the launcher's {@link ConnectionCheck} can use
 * it outside the framework.
 */
final class PasswordSource {

    private PasswordSource() {
    }

    /**
     * The password: from {@code file} if it is named, else from the environment variable
     * {@code envName} if that is named, else empty (no password).
     *
     * @throws IllegalArgumentException a sentence naming the file or the variable that cannot be used
     */
    static String read(String file, String envName) {
        if (file != null && !file.isBlank()) {
            try {
                String text = Files.readString(Path.of(file), StandardCharsets.UTF_8);
                int end = text.indexOf('\n');
                String line = end < 0 ? text : text.substring(0, end);
                return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
            } catch (IOException | RuntimeException e) {
                throw new IllegalArgumentException("cannot read the password file " + file + ": " + e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : " " + e.getMessage()));
            }
        }
        if (envName != null && !envName.isBlank()) {
            String value = System.getenv(envName.trim());
            if (value == null || value.isEmpty()) {
                throw new IllegalArgumentException("the environment variable " + envName.trim()
                        + " that should hold the password is not set in this process");
            }
            return value;
        }
        return "";
    }
}

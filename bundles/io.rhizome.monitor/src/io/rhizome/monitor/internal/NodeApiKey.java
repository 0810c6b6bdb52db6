package io.rhizome.monitor.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The node's REST API key, read from {@code HOME/api.json} — the file every local client of the
 * API reads (the CLI does). The monitor is such a client living in the daemon: it checks the key of
 * {@code rhizome open} against it and puts it on the API calls of a logged-in browser, so the
 * browser never sees it. Only a file written by this process counts (a stale one of a killed daemon
 * holds an old key).
 */
final class NodeApiKey {

    private final Path file;
    private final long pid;
    private final ObjectMapper json;
    private volatile String cached;

    NodeApiKey(Path home, long pid, ObjectMapper json) {
        this.file = home.resolve("api.json");
        this.pid = pid;
        this.json = json;
    }

    /** The key, once the REST API has published it (empty while the node is still starting). */
    Optional<String> get() {
        String key = cached;
        if (key != null) {
            return Optional.of(key);
        }
        try {
            JsonNode api = json.readTree(Files.readAllBytes(file));
            if (api.path("pid").asLong() != pid || !api.path("apiKey").isTextual()) {
                return Optional.empty();
            }
            cached = api.path("apiKey").asText();
            return Optional.of(cached);
        } catch (IOException e) {
            return Optional.empty(); // not written yet, or being replaced right now
        }
    }
}

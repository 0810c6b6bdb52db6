package io.rhizome.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Talks to a running daemon through its loopback REST API, as described by {@code HOME/api.json}. */
final class DaemonClient {

    /** The daemon cannot be reached; the message says why in one line. */
    static final class NoDaemonException extends Exception {
        private static final long serialVersionUID = 1L;

        NoDaemonException(String message) {
            super(message);
        }
    }

    /** A response from the daemon. */
    record Response(int status, JsonNode body) {
        boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    private final ObjectMapper json;
    private final HttpClient http;
    private final URI base;
    private final String apiKey;

    private DaemonClient(ObjectMapper json, URI base, String apiKey) {
        this.json = json;
        this.base = base;
        this.apiKey = apiKey;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    }

    static DaemonClient connect(Path home, ObjectMapper json) throws NoDaemonException {
        Path file = home.resolve("api.json");
        JsonNode api;
        try {
            api = json.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new NoDaemonException("no daemon is running for " + home + " (no " + file + "); start one with: rhizome daemon --home " + home);
        } catch (IOException e) {
            throw new NoDaemonException("cannot read " + file + ": " + e.getMessage());
        }
        int port = api.path("port").asInt(-1);
        String key = api.path("apiKey").asText("");
        if (port <= 0 || port > 65535 || key.isEmpty()) {
            throw new NoDaemonException(file + " is malformed (needs \"port\" and \"apiKey\"); restart the daemon to rewrite it");
        }
        return new DaemonClient(json, URI.create("http://127.0.0.1:" + port + "/api"), key);
    }

    Response get(String path) throws NoDaemonException {
        return send(HttpRequest.newBuilder(base.resolve("/api" + path)).GET());
    }

    Response send(String method, String path, byte[] body) throws NoDaemonException {
        return send(HttpRequest.newBuilder(base.resolve("/api" + path)).method(method, HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Content-Type", "application/json"));
    }

    /** Reads a streamed answer line by line until the daemon closes it; returns the exit code. */
    int stream(String path, java.util.function.Consumer<String> lines, java.io.PrintStream err) throws NoDaemonException {
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/api" + path)).header("X-API-Key", apiKey).GET().build();
        try {
            HttpResponse<java.io.InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            if (response.statusCode() == 401) {
                response.body().close();
                throw notThisHomesDaemon();
            }
            try (java.io.BufferedReader r = DataCommands.reader(response.body())) {
                if (response.statusCode() != 200) {
                    JsonNode body = json.readTree(r);
                    err.println("rhizome: " + (body == null ? "the daemon answered " + response.statusCode() : body.path("message").asText()));
                    return Main.REFUSED;
                }
                String line;
                while ((line = r.readLine()) != null) {
                    lines.accept(line);
                }
            }
            return Main.OK;
        } catch (ConnectException e) {
            throw new NoDaemonException("no daemon is running at " + base.getHost() + ":" + base.getPort()
                    + " (api.json is stale: the daemon was killed); start one with: rhizome daemon");
        } catch (IOException e) {
            throw new NoDaemonException("the stream from the daemon broke: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NoDaemonException("interrupted");
        }
    }

    /**
     * A 401 to the key of this home's api.json: whatever listens on that port is not this home's
     * daemon (the file outlived a killed daemon and another node took the port), or it just restarted.
     */
    private NoDaemonException notThisHomesDaemon() {
        return new NoDaemonException("the daemon at " + base.getHost() + ":" + base.getPort()
                + " does not accept the key in api.json (the file is stale, or the daemon just restarted); run the command again, or start one with: rhizome daemon");
    }

    private Response send(HttpRequest.Builder builder) throws NoDaemonException {
        HttpRequest request = builder.header("X-API-Key", apiKey).timeout(Duration.ofSeconds(150)).build();
        try {
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() == 401) {
                throw notThisHomesDaemon();
            }
            JsonNode body = response.body().length == 0 ? json.nullNode() : json.readTree(response.body());
            return new Response(response.statusCode(), body);
        } catch (ConnectException e) {
            throw new NoDaemonException("no daemon is running at " + base.getHost() + ":" + base.getPort()
                    + " (api.json is stale: the daemon was killed); start one with: rhizome daemon");
        } catch (IOException e) {
            throw new NoDaemonException("the daemon at " + base.getHost() + ":" + base.getPort() + " did not answer: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NoDaemonException("interrupted");
        }
    }
}

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

    /** {@code http://127.0.0.1:PORT}, where the daemon serves the API and its other pages. */
    String origin() {
        return "http://" + base.getHost() + ":" + base.getPort();
    }

    /** A request with the key to a path of the daemon outside {@code /api} (the monitor's {@code /monitor/token}). */
    Response sendOutsideApi(String method, String path) throws NoDaemonException {
        return send(HttpRequest.newBuilder(base.resolve(path)).method(method, HttpRequest.BodyPublishers.noBody()));
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
        return stream(HttpRequest.newBuilder(base.resolve("/api" + path)).header("X-API-Key", apiKey).GET().build(), lines, err, false);
    }

    /**
     * POSTs {@code body} and reads the streamed answer line by line (a backup's progress); returns the
     * exit code: a request the daemon calls bad (HTTP 400) is a usage error.
     */
    int streamPost(String path, byte[] body, java.util.function.Consumer<String> lines, java.io.PrintStream err) throws NoDaemonException {
        return stream(HttpRequest.newBuilder(base.resolve("/api" + path)).header("X-API-Key", apiKey)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), lines, err, true);
    }

    private int stream(HttpRequest request, java.util.function.Consumer<String> lines, java.io.PrintStream err,
            boolean badRequestIsUsage) throws NoDaemonException {
        try {
            HttpResponse<java.io.InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            if (response.statusCode() == 401) {
                response.body().close();
                throw notThisHomesDaemon();
            }
            try (java.io.BufferedReader r = DataCommands.reader(response.body())) {
                if (response.statusCode() != 200) {
                    StringBuilder text = new StringBuilder();
                    char[] buf = new char[4096];
                    for (int n; text.length() < 65536 && (n = r.read(buf)) > 0;) {
                        text.append(buf, 0, n);
                    }
                    err.println("rhizome: " + message(response.statusCode(), body(response.statusCode(),
                            text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8))));
                    return badRequestIsUsage && response.statusCode() == 400 ? Main.USAGE : Main.REFUSED;
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

    /**
     * The JSON body of an answer; an answer that is not JSON (an HTML error page of the HTTP
     * server, say) becomes {@code {"message": one sentence}} so that no caller prints markup or null.
     */
    private JsonNode body(int status, byte[] bytes) {
        if (bytes.length > 0) {
            try {
                JsonNode parsed = json.readTree(bytes);
                if (parsed != null && !parsed.isMissingNode()) {
                    return parsed;
                }
            } catch (IOException notJson) {
                // described below
            }
        }
        String text = new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
        java.util.regex.Matcher title = java.util.regex.Pattern.compile("(?is)<title>(.*?)</title>").matcher(text);
        String detail = title.find() ? title.group(1) : text.replaceAll("(?s)<[^>]*>", " ");
        detail = detail.replaceAll("\\s+", " ").trim();
        if (detail.length() > 200) {
            detail = detail.substring(0, 200) + "…";
        }
        return json.createObjectNode().put("message", "the daemon answered HTTP " + status
                + (detail.isEmpty() ? " without an explanation" : " (not JSON): " + detail));
    }

    /** The one-sentence message of an error answer. */
    static String message(int status, JsonNode body) {
        String m = body == null ? "" : body.path("message").asText("");
        return m.isBlank() ? "the daemon answered HTTP " + status + " without an explanation" : m;
    }

    private Response send(HttpRequest.Builder builder) throws NoDaemonException {
        HttpRequest request = builder.header("X-API-Key", apiKey).timeout(Duration.ofSeconds(150)).build();
        try {
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() == 401) {
                throw notThisHomesDaemon();
            }
            return new Response(response.statusCode(), body(response.statusCode(), response.body()));
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

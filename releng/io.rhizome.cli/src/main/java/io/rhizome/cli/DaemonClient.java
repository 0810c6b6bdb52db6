package io.rhizome.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

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

    private static final String HOST = "127.0.0.1";
    private static final int CONNECT_TIMEOUT_MILLIS = 3_000;
    private static final int ANSWER_TIMEOUT_MILLIS = 150_000;

    private final ObjectMapper json;
    private final LoopbackHttp http;
    private final int port;
    private final String apiKey;

    private DaemonClient(ObjectMapper json, int port, String apiKey) {
        this.json = json;
        this.port = port;
        this.apiKey = apiKey;
        this.http = new LoopbackHttp(HOST, port, CONNECT_TIMEOUT_MILLIS);
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
        return new DaemonClient(json, port, key);
    }

    /** {@code http://127.0.0.1:PORT}, where the daemon serves the API and its other pages. */
    String origin() {
        return "http://" + HOST + ":" + port;
    }

    /** A request with the key to a path of the daemon outside {@code /api} (the monitor's {@code /monitor/token}). */
    Response sendOutsideApi(String method, String path) throws NoDaemonException {
        return send(method, path, null, new byte[0]);
    }

    Response get(String path) throws NoDaemonException {
        return send("GET", "/api" + path, null, null);
    }

    Response send(String method, String path, byte[] body) throws NoDaemonException {
        return send(method, "/api" + path, "application/json", body);
    }

    /** Reads a streamed answer line by line until the daemon closes it; returns the exit code. */
    int stream(String path, java.util.function.Consumer<String> lines, java.io.PrintStream err) throws NoDaemonException {
        return stream("GET", "/api" + path, null, lines, err, false);
    }

    /**
     * POSTs {@code body} and reads the streamed answer line by line (a backup's progress); returns the
     * exit code: a request the daemon calls bad (HTTP 400) is a usage error.
     */
    int streamPost(String path, byte[] body, java.util.function.Consumer<String> lines, java.io.PrintStream err) throws NoDaemonException {
        return stream("POST", "/api" + path, body, lines, err, true);
    }

    private int stream(String method, String target, byte[] body, java.util.function.Consumer<String> lines, java.io.PrintStream err,
            boolean badRequestIsUsage) throws NoDaemonException {
        try {
            // no read timeout: a stream (watch) lasts until the user or the daemon ends it
            LoopbackHttp.Answer response = http.exchange(method, target, apiKey, body == null ? null : "application/json", body, 0);
            if (response.status() == 401) {
                response.body().close();
                throw notThisHomesDaemon();
            }
            try (java.io.BufferedReader r = DataCommands.reader(response.body())) {
                if (response.status() != 200) {
                    StringBuilder text = new StringBuilder();
                    char[] buf = new char[4096];
                    for (int n; text.length() < 65536 && (n = r.read(buf)) > 0;) {
                        text.append(buf, 0, n);
                    }
                    err.println("rhizome: " + message(response.status(), body(response.status(),
                            text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8))));
                    return badRequestIsUsage && response.status() == 400 ? Main.USAGE : Main.REFUSED;
                }
                String line;
                while ((line = r.readLine()) != null) {
                    lines.accept(line);
                }
            }
            return Main.OK;
        } catch (ConnectException e) {
            throw noDaemonAtPort();
        } catch (IOException e) {
            throw new NoDaemonException("the stream from the daemon broke: " + e.getMessage());
        }
    }

    /**
     * A 401 to the key of this home's api.json: whatever listens on that port is not this home's
     * daemon (the file outlived a killed daemon and another node took the port), or it just restarted.
     */
    private NoDaemonException notThisHomesDaemon() {
        return new NoDaemonException("the daemon at " + HOST + ":" + port
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

    private Response send(String method, String target, String contentType, byte[] body) throws NoDaemonException {
        try {
            LoopbackHttp.Answer response = http.exchange(method, target, apiKey, contentType, body, ANSWER_TIMEOUT_MILLIS);
            byte[] bytes = LoopbackHttp.readAll(response.body());
            if (response.status() == 401) {
                throw notThisHomesDaemon();
            }
            return new Response(response.status(), body(response.status(), bytes));
        } catch (ConnectException e) {
            throw noDaemonAtPort();
        } catch (java.net.SocketTimeoutException e) {
            throw new NoDaemonException("the daemon at " + HOST + ":" + port + " did not answer within " + ANSWER_TIMEOUT_MILLIS / 1000 + " s");
        } catch (IOException e) {
            throw new NoDaemonException("the daemon at " + HOST + ":" + port + " did not answer: " + e.getMessage());
        }
    }

    private NoDaemonException noDaemonAtPort() {
        return new NoDaemonException("no daemon is running at " + HOST + ":" + port
                + " (api.json is stale: the daemon was killed); start one with: rhizome daemon");
    }
}

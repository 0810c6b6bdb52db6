package io.rhizome.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** One daemon's REST API, reached from the hub namespace through the node namespace's DNAT to 127.0.0.1. */
final class Rest {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    record Answer(int status, String body) {
        boolean ok() {
            return status / 100 == 2;
        }

        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }

    private final String base;
    private volatile String key = "";

    Rest(String ip, int port) {
        this.base = "http://" + ip + ":" + port + "/api";
    }

    void key(String apiKey) {
        this.key = apiKey;
    }

    Answer send(String method, String path, String body, Duration timeout) throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout).header("X-API-Key", key)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        try {
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    Answer get(String path) throws IOException {
        return send("GET", path, null, Duration.ofSeconds(20));
    }

    Answer post(String path, String body) throws IOException {
        return send("POST", path, body, Duration.ofSeconds(20));
    }
}

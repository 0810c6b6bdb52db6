package io.rhizome.transport.cloud.gdrive;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.LongSupplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Access tokens from an OAuth 2.0 refresh token (the {@code refresh_token} grant of Google's token
 * endpoint), kept until a minute before they expire.
 */
public final class RefreshTokenSource implements AccessTokens {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final URI tokenEndpoint;
    private final String clientId;
    private final String clientSecret;
    private final String refreshToken;
    private final LongSupplier clock;
    private String token;
    private long expiresAt;

    public RefreshTokenSource(HttpClient http, URI tokenEndpoint, String clientId, String clientSecret, String refreshToken, LongSupplier clock) {
        this.http = http;
        this.tokenEndpoint = tokenEndpoint;
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        this.refreshToken = refreshToken;
        this.clock = clock;
    }

    @Override
    public synchronized String current() throws IOException {
        if (token == null || clock.getAsLong() >= expiresAt) {
            return refresh();
        }
        return token;
    }

    @Override
    public synchronized String refresh() throws IOException {
        String form = "grant_type=refresh_token&client_id=" + enc(clientId) + "&client_secret=" + enc(clientSecret) + "&refresh_token=" + enc(refreshToken);
        HttpRequest req = HttpRequest.newBuilder(tokenEndpoint).timeout(Duration.ofSeconds(30)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build();
        HttpResponse<byte[]> r;
        try {
            r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while refreshing the Google access token", e);
        }
        JsonNode body = JSON.readTree(r.body().length == 0 ? "{}".getBytes(StandardCharsets.UTF_8) : r.body());
        if (r.statusCode() != 200 || !body.path("access_token").isTextual()) {
            throw new DriveException(r.statusCode(), body.path("error").asText("token_error"),
                    "Google refused to refresh the access token (" + body.path("error").asText("HTTP " + r.statusCode())
                            + "): sign in again with `rhizome cloud login gdrive`");
        }
        token = body.get("access_token").asText();
        expiresAt = clock.getAsLong() + Math.max(0, body.path("expires_in").asLong(3600) - 60) * 1000;
        return token;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}

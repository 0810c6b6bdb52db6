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
    private final String signInAgain;
    private String token;
    private long expiresAt;

    public RefreshTokenSource(HttpClient http, URI tokenEndpoint, String clientId, String clientSecret, String refreshToken, LongSupplier clock) {
        this(http, tokenEndpoint, clientId, clientSecret, refreshToken, clock, "rhizome cloud add gdrive");
    }

    /** @param signInAgain the command that signs in again, named in the sentence when Google refuses the refresh token */
    public RefreshTokenSource(HttpClient http, URI tokenEndpoint, String clientId, String clientSecret, String refreshToken, LongSupplier clock,
            String signInAgain) {
        this.signInAgain = signInAgain;
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
        } catch (IOException e) {
            throw new DriveException(0, "network", "Google's token endpoint did not answer (" + e.getMessage()
                    + "); check the network connection (the next round tries again)");
        }
        JsonNode body;
        try {
            body = JSON.readTree(r.body().length == 0 ? "{}".getBytes(StandardCharsets.UTF_8) : r.body());
        } catch (IOException e) {
            body = JSON.createObjectNode();
        }
        if (r.statusCode() != 200 || !body.path("access_token").isTextual()) {
            String error = body.path("error").asText("HTTP " + r.statusCode());
            if (r.statusCode() >= 500 || r.statusCode() == 429) {
                throw new DriveException(r.statusCode(), error, "Google's token endpoint answered " + r.statusCode()
                        + " while refreshing the access token; the next round tries again");
            }
            // invalid_grant: the user revoked the access, the refresh token expired (unused for six
            // months, or a test-mode client's seven days) or was replaced. Only a new consent helps.
            throw new DriveException(r.statusCode(), error, "Google no longer accepts this node's sign-in to Google Drive (" + error
                    + ": access revoked or the sign-in expired); sign in again with `" + signInAgain + "`");
        }
        token = body.get("access_token").asText();
        expiresAt = clock.getAsLong() + Math.max(0, body.path("expires_in").asLong(3600) - 60) * 1000;
        return token;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}

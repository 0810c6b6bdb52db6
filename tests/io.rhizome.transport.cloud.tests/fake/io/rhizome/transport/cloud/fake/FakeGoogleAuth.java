package io.rhizome.transport.cloud.fake;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

/**
 * Google's OAuth 2.0 side for installed apps, served by {@link FakeDrive}: the consent page
 * {@link #AUTH_PATH} (consenting at once, or refusing, and redirecting to the loopback
 * {@code redirect_uri} with the {@code code} and the {@code state}; a client it does not know or a
 * redirect that is not loopback is an error page), and the token endpoint's
 * {@code authorization_code} grant (the code used once, the client's id and secret, the same
 * {@code redirect_uri} — {@code redirect_uri_mismatch} otherwise — and the PKCE {@code S256}
 * verifier of the challenge — {@code invalid_grant} otherwise) and {@code refresh_token} grant
 * ({@code invalid_grant} for a revoked one). Access tokens expire after {@link #accessTokenSeconds}.
 */
public final class FakeGoogleAuth {

    public static final String CLIENT_ID = "rhizome-test.apps.googleusercontent.com";
    public static final String CLIENT_SECRET = "GOCSPX-test-secret";
    public static final String AUTH_PATH = "/o/oauth2/v2/auth";
    /** A refresh token that works without a consent, for the tests that skip it. */
    public static final String TEST_REFRESH_TOKEN = "the-refresh-token";
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Grant(String clientId, String redirectUri, String challenge) {
    }

    /** How long an access token lives. */
    public volatile long accessTokenSeconds = 3599;
    /** Whether the consent page refuses ({@code error=access_denied}) instead of consenting. */
    public volatile boolean denyConsent;
    public final AtomicInteger refreshGrants = new AtomicInteger();
    public final AtomicInteger codeGrants = new AtomicInteger();
    public final AtomicInteger expiredTokenAnswers = new AtomicInteger();

    private final Map<String, Long> validTokens = new ConcurrentHashMap<>();
    private final Set<String> refreshTokens = ConcurrentHashMap.newKeySet();
    private final Map<String, Grant> codes = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicInteger tokenCounter = new AtomicInteger();

    FakeGoogleAuth() {
        refreshTokens.add(TEST_REFRESH_TOKEN);
    }

    /** Whether an {@code Authorization} header carries an access token that is valid now. */
    boolean authorised(String header) {
        Long expires = header == null || !header.startsWith("Bearer ") ? null : validTokens.get(header.substring(7));
        if (expires != null && System.currentTimeMillis() >= expires) {
            expiredTokenAnswers.incrementAndGet();
            return false;
        }
        return expires != null;
    }

    /** Ends every access token now (as when they expire). */
    public void expireTokens() {
        long now = System.currentTimeMillis();
        validTokens.replaceAll((t, at) -> Math.min(at, now));
    }

    /** Forgets every access token (as Drive does when it revokes them). */
    void revokeAccessTokens() {
        validTokens.clear();
    }

    /** Revokes every refresh token (the user removed the app's access): refreshing is {@code invalid_grant}. */
    public void revokeRefreshTokens() {
        refreshTokens.clear();
        validTokens.clear();
    }

    /** The refresh tokens issued by consents, and the test one, that still work. */
    public Set<String> refreshTokens() {
        return Set.copyOf(refreshTokens);
    }

    /** Google's consent page, consenting (or refusing) at once: a 302 to the loopback redirect URI. */
    void consent(HttpExchange ex, Map<String, String> q) throws IOException {
        String redirect = q.getOrDefault("redirect_uri", "");
        if (!CLIENT_ID.equals(q.get("client_id"))) {
            FakeDrive.error(ex, 401, "invalid_client", "The OAuth client was not found.");
            return;
        }
        if (!redirect.matches("http://(127\\.0\\.0\\.1|\\[::1\\]|localhost):\\d+/.*")) {
            FakeDrive.error(ex, 400, "redirect_uri_mismatch", "redirect_uri must be a loopback address for a desktop client, not " + redirect);
            return;
        }
        if (!"code".equals(q.get("response_type")) || !"S256".equals(q.get("code_challenge_method")) || q.getOrDefault("code_challenge", "").length() != 43
                || q.getOrDefault("scope", "").isEmpty()) {
            FakeDrive.error(ex, 400, "invalid_request", "response_type=code, a scope and an S256 code_challenge are required");
            return;
        }
        String state = q.containsKey("state") ? "&state=" + java.net.URLEncoder.encode(q.get("state"), StandardCharsets.UTF_8) : "";
        String location;
        if (denyConsent) {
            location = redirect + "?error=access_denied" + state;
        } else {
            String code = "4/code-" + ids.incrementAndGet();
            codes.put(code, new Grant(CLIENT_ID, redirect, q.get("code_challenge")));
            location = redirect + "?code=" + java.net.URLEncoder.encode(code, StandardCharsets.UTF_8) + state + "&scope=" + java.net.URLEncoder.encode(q.get("scope"), StandardCharsets.UTF_8);
        }
        ex.getResponseHeaders().add("Location", location);
        ex.sendResponseHeaders(302, -1);
    }

    void token(HttpExchange ex, byte[] body) throws IOException {
        Map<String, String> form = FakeDrive.query(new String(body, StandardCharsets.UTF_8));
        if (!CLIENT_ID.equals(form.get("client_id")) || !CLIENT_SECRET.equals(form.get("client_secret"))) {
            oauthError(ex, 401, "invalid_client", "Unauthorized");
            return;
        }
        String grant = form.get("grant_type");
        if ("authorization_code".equals(grant)) {
            Grant g = codes.remove(form.getOrDefault("code", ""));
            if (g == null) {
                oauthError(ex, 400, "invalid_grant", "Malformed auth code.");
            } else if (!g.redirectUri().equals(form.get("redirect_uri"))) {
                oauthError(ex, 400, "redirect_uri_mismatch", "Bad Request");
            } else if (!g.challenge().equals(s256(form.getOrDefault("code_verifier", "")))) {
                oauthError(ex, 400, "invalid_grant", "Invalid code verifier.");
            } else {
                codeGrants.incrementAndGet();
                String refresh = "1//rt-" + ids.incrementAndGet();
                refreshTokens.add(refresh);
                FakeDrive.send(ex, 200, accessToken().put("refresh_token", refresh).put("scope", "https://www.googleapis.com/auth/drive.file"));
            }
            return;
        }
        if (!"refresh_token".equals(grant) || !refreshTokens.contains(form.getOrDefault("refresh_token", ""))) {
            oauthError(ex, 400, "invalid_grant", "Token has been expired or revoked.");
            return;
        }
        refreshGrants.incrementAndGet();
        FakeDrive.send(ex, 200, accessToken());
    }

    private ObjectNode accessToken() {
        String t = "ya29.access-" + tokenCounter.incrementAndGet();
        validTokens.put(t, System.currentTimeMillis() + accessTokenSeconds * 1000);
        return JSON.createObjectNode().put("access_token", t).put("expires_in", accessTokenSeconds).put("token_type", "Bearer");
    }

    private static String s256(String verifier) {
        try {
            return Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void oauthError(HttpExchange ex, int status, String error, String description) throws IOException {
        FakeDrive.raw(ex, status, JSON.writeValueAsBytes(JSON.createObjectNode().put("error", error).put("error_description", description)));
    }
}

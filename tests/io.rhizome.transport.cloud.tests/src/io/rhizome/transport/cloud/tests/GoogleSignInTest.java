package io.rhizome.transport.cloud.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.rhizome.transport.cloud.fake.FakeDrive;
import io.rhizome.transport.cloud.gdrive.ConsentFlow;
import io.rhizome.transport.cloud.gdrive.DriveException;
import io.rhizome.transport.cloud.gdrive.DriveStore;
import io.rhizome.transport.cloud.gdrive.GoogleEndpoints;
import io.rhizome.transport.cloud.gdrive.Pkce;
import io.rhizome.transport.cloud.gdrive.RefreshTokenSource;

/**
 * The installed-app consent (loopback redirect, PKCE) against the fake Google: the test is the
 * browser — it opens the consent URL, which redirects to the flow's listener on 127.0.0.1.
 */
class GoogleSignInTest {

    private FakeDrive google;
    private HttpClient http;
    private GoogleEndpoints endpoints;

    @BeforeEach
    void setUp() throws Exception {
        google = new FakeDrive();
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();
        endpoints = new GoogleEndpoints(google.authorizationEndpoint(), google.tokenEndpoint(), google.uri(), FakeDrive.CLIENT_ID, FakeDrive.CLIENT_SECRET);
    }

    @AfterEach
    void tearDown() {
        google.close();
    }

    @Test
    void theConsentComesBackOnLoopbackAndItsCodeIsExchangedWithThePkceVerifier() throws Exception {
        AtomicReference<String> stored = new AtomicReference<>();
        try (ConsentFlow flow = ConsentFlow.start(http, endpoints, new SecureRandom(), Duration.ofMinutes(1), stored::set)) {
            Map<String, String> q = query(flow.consentUri());
            assertEquals("code", q.get("response_type"));
            assertEquals("S256", q.get("code_challenge_method"));
            assertEquals(43, q.get("code_challenge").length(), "SHA-256, base64url without padding");
            assertTrue(q.get("redirect_uri").matches("http://127\\.0\\.0\\.1:\\d+/"), q.get("redirect_uri"));
            assertEquals(flow.redirectUri().toString(), q.get("redirect_uri"));
            assertEquals("offline", q.get("access_type"), "a refresh token is asked for");
            assertFalse(q.get("state").isEmpty());

            HttpResponse<String> page = browse(flow.consentUri());
            assertEquals(200, page.statusCode(), page.body());
            assertTrue(page.body().contains("can now use your Google Drive"), page.body());
            flow.done().get(10, TimeUnit.SECONDS);
        }
        assertTrue(google.refreshTokens().contains(stored.get()), "the refresh token Google issued was stored: " + stored.get());
        assertEquals(1, google.codeGrants.get());
        // It works: Drive answers a request made with an access token from it.
        DriveStore store = DriveStore.forTests(http, google.uri(), new RefreshTokenSource(http, google.tokenEndpoint(), FakeDrive.CLIENT_ID,
                FakeDrive.CLIENT_SECRET, stored.get(), System::currentTimeMillis), "appDataFolder", 10_000, 1024);
        store.write("a", "x.rzb", new byte[] { 1, 2, 3 });
        assertEquals(java.util.Set.of("x.rzb"), store.list("a").files());
    }

    @Test
    void aRedirectWithAnotherStateIsRefusedAndTheRealOneStillCompletes() throws Exception {
        AtomicReference<String> stored = new AtomicReference<>();
        try (ConsentFlow flow = ConsentFlow.start(http, endpoints, new SecureRandom(), Duration.ofMinutes(1), stored::set)) {
            HttpResponse<String> forged = get(URI.create(flow.redirectUri() + "?code=4/forged&state=not-the-state"));
            assertEquals(400, forged.statusCode());
            assertFalse(flow.done().isDone(), "a forged answer does not end the wait");
            assertEquals(null, stored.get());
            assertEquals(200, browse(flow.consentUri()).statusCode());
            flow.done().get(10, TimeUnit.SECONDS);
            assertTrue(google.refreshTokens().contains(stored.get()));
        }
    }

    @Test
    void aConsentRefusedInTheBrowserFailsWithASentenceAndStoresNothing() throws Exception {
        google.auth.denyConsent = true;
        AtomicReference<String> stored = new AtomicReference<>();
        try (ConsentFlow flow = ConsentFlow.start(http, endpoints, new SecureRandom(), Duration.ofMinutes(1), stored::set)) {
            browse(flow.consentUri());
            ExecutionException e = assertThrows(ExecutionException.class, () -> flow.done().get(10, TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().contains("not allowed in the browser (access_denied)"), e.getCause().getMessage());
            assertTrue(e.getCause().getMessage().contains("rhizome cloud add gdrive"), e.getCause().getMessage());
        }
        assertEquals(null, stored.get());
        assertEquals(0, google.codeGrants.get());
    }

    @Test
    void aCodeGoogleDoesNotAcceptFailsTheSignInWithGooglesReason() throws Exception {
        AtomicReference<String> stored = new AtomicReference<>();
        try (ConsentFlow flow = ConsentFlow.start(http, endpoints, new SecureRandom(), Duration.ofMinutes(1), stored::set)) {
            String state = query(flow.consentUri()).get("state");
            HttpResponse<String> page = get(URI.create(flow.redirectUri() + "?code=4/unknown-code&state=" + state));
            assertEquals(200, page.statusCode());
            ExecutionException e = assertThrows(ExecutionException.class, () -> flow.done().get(10, TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().contains("Google did not accept the sign-in code (invalid_grant"), e.getCause().getMessage());
        }
        assertEquals(null, stored.get());
    }

    @Test
    void noAnswerInTimeFailsTheSignIn() throws Exception {
        try (ConsentFlow flow = ConsentFlow.start(http, endpoints, new SecureRandom(), Duration.ofMillis(200), t -> { })) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> flow.done().get(10, TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().contains("no answer came back from the browser"), e.getCause().getMessage());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (probe(flow.redirectUri()) != -1) {
                assertTrue(System.nanoTime() < deadline, "the listener is closed once the sign-in ended");
                Thread.sleep(50);
            }
        }
    }

    /** The fake enforces the token endpoint's contract: a wrong verifier or another redirect URI gets no token. */
    @Test
    void theTokenEndpointRefusesAWrongVerifierAnotherRedirectUriAndAReusedCode() throws Exception {
        Pkce pkce = Pkce.create(new SecureRandom());
        String redirect = "http://127.0.0.1:45678/";
        String code = code(pkce, redirect);
        HttpResponse<String> wrongVerifier = token(code, redirect, Pkce.create(new SecureRandom()).verifier());
        assertEquals(400, wrongVerifier.statusCode());
        assertTrue(wrongVerifier.body().contains("\"error\":\"invalid_grant\""), wrongVerifier.body());
        HttpResponse<String> reused = token(code, redirect, pkce.verifier());
        assertTrue(reused.body().contains("invalid_grant"), "a code is good for one exchange: " + reused.body());

        String code2 = code(pkce, redirect);
        HttpResponse<String> otherRedirect = token(code2, "http://127.0.0.1:45679/", pkce.verifier());
        assertEquals(400, otherRedirect.statusCode());
        assertTrue(otherRedirect.body().contains("\"error\":\"redirect_uri_mismatch\""), otherRedirect.body());

        HttpResponse<String> notLoopback = get(URI.create(google.authorizationEndpoint() + "?response_type=code&client_id=" + FakeDrive.CLIENT_ID
                + "&redirect_uri=" + enc("https://example.org/cb") + "&scope=s&code_challenge=" + pkce.challenge() + "&code_challenge_method=S256"));
        assertEquals(400, notLoopback.statusCode());
        assertTrue(notLoopback.body().contains("redirect_uri_mismatch"), notLoopback.body());

        String code3 = code(pkce, redirect);
        HttpResponse<String> ok = token(code3, redirect, pkce.verifier());
        assertEquals(200, ok.statusCode(), ok.body());
        assertTrue(ok.body().contains("refresh_token"), ok.body());
        assertEquals(1, google.codeGrants.get());
    }

    @Test
    void anExpiredAccessTokenIsRefreshedAndARevokedRefreshTokenSaysToSignInAgain() throws Exception {
        DriveStore store = DriveStore.forTests(http, google.uri(), new RefreshTokenSource(http, google.tokenEndpoint(), FakeDrive.CLIENT_ID,
                FakeDrive.CLIENT_SECRET, FakeDrive.TEST_REFRESH_TOKEN, System::currentTimeMillis, "rhizome cloud add gdrive --folder Rhizome"),
                "Rhizome", 10_000, 1024);
        store.write("a", "one.rzb", new byte[] { 1 });
        int grants = google.refreshGrants.get();
        google.expireTokens();
        store.write("a", "two.rzb", new byte[] { 2 });
        assertTrue(google.expiredTokenAnswers.get() >= 1, "Drive answered 401 to the expired token");
        assertEquals(grants + 1, google.refreshGrants.get(), "one refresh, then the request went through");

        google.revokeRefreshTokens();
        DriveException e = assertThrows(DriveException.class, () -> store.write("a", "three.rzb", new byte[] { 3 }));
        assertEquals("invalid_grant", e.reason());
        assertTrue(e.getMessage().contains("sign in again with `rhizome cloud add gdrive --folder Rhizome`"), e.getMessage());
        assertEquals(2, google.files().stream().filter(f -> f.name().endsWith(".rzb")).count(), "nothing more was written");
    }

    private String code(Pkce pkce, String redirect) throws Exception {
        HttpResponse<String> r = get(URI.create(google.authorizationEndpoint() + "?response_type=code&client_id=" + FakeDrive.CLIENT_ID
                + "&redirect_uri=" + enc(redirect) + "&scope=s&state=x&code_challenge=" + pkce.challenge() + "&code_challenge_method=S256"));
        assertEquals(302, r.statusCode(), r.body());
        return query(URI.create(r.headers().firstValue("Location").orElseThrow())).get("code");
    }

    private HttpResponse<String> token(String code, String redirect, String verifier) throws Exception {
        String form = "grant_type=authorization_code&code=" + enc(code) + "&client_id=" + enc(FakeDrive.CLIENT_ID) + "&client_secret="
                + enc(FakeDrive.CLIENT_SECRET) + "&redirect_uri=" + enc(redirect) + "&code_verifier=" + verifier;
        return http.send(HttpRequest.newBuilder(google.tokenEndpoint()).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** What a browser does: the consent page, then its redirect (to the loopback listener). */
    private HttpResponse<String> browse(URI consent) throws Exception {
        HttpResponse<String> r = get(consent);
        assertEquals(302, r.statusCode(), r.body());
        return get(URI.create(r.headers().firstValue("Location").orElseThrow()));
    }

    private HttpResponse<String> get(URI uri) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private int probe(URI uri) {
        try {
            return get(uri).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> out = new HashMap<>();
        for (String pair : uri.getRawQuery().split("&")) {
            int eq = pair.indexOf('=');
            out.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}

package io.rhizome.transport.cloud.gdrive;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.rhizome.transport.cloud.CloudSignIn;

/**
 * OAuth 2.0 for an installed app (RFC 8252) with PKCE (RFC 7636): a one-shot HTTP listener on
 * {@code 127.0.0.1} and a free port is the redirect URI; the consent URL asks for a code with the
 * {@code S256} challenge and a random {@code state}; the redirect's code is exchanged (with the
 * verifier and the same redirect URI) for a refresh token, which {@link Sink} stores. A redirect
 * with another {@code state} is answered 400 and does not end the wait (it was not Google's).
 */
public final class ConsentFlow implements CloudSignIn {

    private static final Logger LOG = LoggerFactory.getLogger(ConsentFlow.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Stores what the consent gave; an exception fails the sign-in with its message. */
    @FunctionalInterface
    public interface Sink {
        void signedIn(String refreshToken) throws IOException;
    }

    private final HttpClient http;
    private final GoogleEndpoints endpoints;
    private final Pkce pkce;
    private final String state;
    private final Sink sink;
    private final HttpServer server;
    private final URI redirect;
    private final URI consent;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final ScheduledExecutorService timer;

    private ConsentFlow(HttpClient http, GoogleEndpoints endpoints, SecureRandom random, Duration timeout, Sink sink) throws IOException {
        this.http = http;
        this.endpoints = endpoints;
        this.pkce = Pkce.create(random);
        byte[] s = new byte[16];
        random.nextBytes(s);
        this.state = Base64.getUrlEncoder().withoutPadding().encodeToString(s);
        this.sink = sink;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        this.redirect = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
        this.consent = URI.create(endpoints.authorization() + "?response_type=code&client_id=" + enc(endpoints.clientId()) + "&redirect_uri="
                + enc(redirect.toString()) + "&scope=" + enc(GoogleEndpoints.SCOPE) + "&code_challenge=" + pkce.challenge()
                + "&code_challenge_method=S256&state=" + state + "&access_type=offline&prompt=consent");
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newSingleThreadExecutor(r -> daemon(r, "rhizome-gdrive-consent")));
        server.start();
        timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "rhizome-gdrive-consent-timer"));
        timer.schedule(() -> fail("no answer came back from the browser within " + timeout.toMinutes()
                + " minutes; run `rhizome cloud add gdrive` again and allow access in the browser"), timeout.toMillis(), TimeUnit.MILLISECONDS);
        done.whenComplete((v, e) -> stop());
    }

    /** Starts listening for the redirect; the user opens {@link #consentUri()}. */
    public static ConsentFlow start(HttpClient http, GoogleEndpoints endpoints, SecureRandom random, Duration timeout, Sink sink) {
        try {
            return new ConsentFlow(http, endpoints, random, timeout, sink);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot listen on 127.0.0.1 for Google's answer: " + e.getMessage());
        }
    }

    @Override
    public URI consentUri() {
        return consent;
    }

    /** The loopback redirect URI this flow listens on. */
    public URI redirectUri() {
        return redirect;
    }

    @Override
    public CompletableFuture<Void> done() {
        return done;
    }

    @Override
    public void close() {
        fail("the sign-in was cancelled");
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (!ex.getRequestURI().getPath().equals("/") || done.isDone()) {
                page(ex, 404, "Nothing here.");
                return;
            }
            Map<String, String> q = query(ex.getRequestURI().getRawQuery());
            if (!state.equals(q.get("state"))) {
                LOG.warn("gdrive: a redirect to the sign-in listener carried another state; ignored");
                page(ex, 400, "This answer does not belong to the sign-in in progress.");
                return;
            }
            if (q.containsKey("error")) {
                String why = "Google sign-in was not allowed in the browser (" + q.get("error")
                        + "); run `rhizome cloud add gdrive` again and allow access";
                page(ex, 200, why);
                fail(why);
                return;
            }
            String code = q.get("code");
            if (code == null || code.isEmpty()) {
                page(ex, 400, "The answer carries no code.");
                return;
            }
            try {
                sink.signedIn(exchange(code));
                page(ex, 200, "Rhizome can now use your Google Drive. You can close this tab.");
                done.complete(null);
            } catch (IOException e) {
                page(ex, 200, e.getMessage());
                fail(e.getMessage());
            }
        }
    }

    /** The authorization-code grant with the PKCE verifier and the same redirect URI: the refresh token. */
    private String exchange(String code) throws IOException {
        String form = "grant_type=authorization_code&code=" + enc(code) + "&client_id=" + enc(endpoints.clientId()) + "&client_secret="
                + enc(endpoints.clientSecret()) + "&redirect_uri=" + enc(redirect.toString()) + "&code_verifier=" + pkce.verifier();
        HttpRequest req = HttpRequest.newBuilder(endpoints.token()).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form)).build();
        HttpResponse<byte[]> r;
        try {
            r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while exchanging the Google sign-in code", e);
        } catch (IOException e) {
            throw new IOException("Google's token endpoint did not answer (" + e.getMessage() + "); check the network and run `rhizome cloud add gdrive` again", e);
        }
        JsonNode body = JSON.readTree(r.body().length == 0 ? "{}".getBytes(StandardCharsets.UTF_8) : r.body());
        if (r.statusCode() != 200 || !body.path("refresh_token").isTextual()) {
            String error = body.path("error").asText("HTTP " + r.statusCode());
            throw new IOException("Google did not accept the sign-in code (" + error
                    + (body.path("error_description").isTextual() ? ": " + body.get("error_description").asText() : "")
                    + "); run `rhizome cloud add gdrive` again");
        }
        return body.get("refresh_token").asText();
    }

    private void fail(String why) {
        if (done.completeExceptionally(new IOException(why))) {
            LOG.info("gdrive: sign-in ended: {}", why);
        }
    }

    private void stop() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdown();
        timer.shutdownNow();
    }

    private static void page(HttpExchange ex, int status, String text) throws IOException {
        String safe = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
        byte[] b = ("<!doctype html><title>Rhizome</title><p>" + safe + "</p>").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "text/html; charset=UTF-8");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    static Map<String, String> query(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            out.putIfAbsent(k, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}

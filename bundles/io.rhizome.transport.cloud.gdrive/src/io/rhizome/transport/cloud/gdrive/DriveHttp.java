package io.rhizome.transport.cloud.gdrive;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Sends Drive requests with the bearer token and retries what Google says to retry: 403 with
 * reason {@code rateLimitExceeded}/{@code userRateLimitExceeded}, 429, 5xx and timeouts or broken
 * connections, with exponential back-off and full jitter, waiting at least what {@code Retry-After}
 * asks. A 401 refreshes the token once. Anything else, or the last failed attempt, is a
 * {@link DriveException} whose message says what to do.
 */
final class DriveHttp {

    private static final Logger LOG = LoggerFactory.getLogger(DriveHttp.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Retry settings: attempts in all, first back-off, longest back-off, per-request timeout. */
    record Retry(int attempts, Duration base, Duration max, Duration timeout) {
        static final Retry DEFAULTS = new Retry(7, Duration.ofMillis(500), Duration.ofSeconds(32), Duration.ofSeconds(60));
    }

    private final HttpClient http;
    private final AccessTokens tokens;
    private final Retry retry;
    private final java.util.concurrent.atomic.AtomicLong requests = new java.util.concurrent.atomic.AtomicLong();

    DriveHttp(HttpClient http, AccessTokens tokens, Retry retry) {
        this.http = http;
        this.tokens = tokens;
        this.retry = retry;
    }

    /** Sends the request {@code build} makes (called again for each attempt) and returns the successful answer. */
    HttpResponse<byte[]> send(String what, Supplier<HttpRequest.Builder> build) throws IOException {
        boolean refreshed = false;
        IOException last = null;
        for (int attempt = 1; attempt <= retry.attempts(); attempt++) {
            HttpRequest req = build.get().timeout(retry.timeout()).header("Authorization", "Bearer " + tokens.current()).build();
            HttpResponse<byte[]> r;
            requests.incrementAndGet();
            try {
                r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
            } catch (IOException e) {
                last = new DriveException(0, "network", "Google Drive did not answer " + what + " (" + e.getMessage()
                        + "); check the network connection");
                pause(attempt, Optional.empty(), what, "no answer: " + e.getMessage());
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted during " + what, e);
            }
            int status = r.statusCode();
            if (status / 100 == 2 || status == 308) {
                return r;
            }
            String reason = reason(r.body()).orElse(String.valueOf(status));
            if (status == 401 && !refreshed) {
                tokens.refresh();
                refreshed = true;
                attempt--;
                continue;
            }
            boolean retryable = status == 429 || status >= 500
                    || status == 403 && (reason.equals("rateLimitExceeded") || reason.equals("userRateLimitExceeded"));
            DriveException failure = new DriveException(status, reason, sentence(what, status, reason));
            if (!retryable) {
                throw failure;
            }
            last = failure;
            pause(attempt, r.headers().firstValue("Retry-After"), what, status + " " + reason);
        }
        throw last;
    }

    /** Requests sent to Drive so far, every attempt counted. */
    long requests() {
        return requests.get();
    }

    private void pause(int attempt, Optional<String> retryAfter, String what, String why) throws IOException {
        if (attempt >= retry.attempts()) {
            return;
        }
        long cap = Math.min(retry.max().toMillis(), retry.base().toMillis() << Math.min(20, attempt - 1));
        long wait = ThreadLocalRandom.current().nextLong(cap + 1);
        long asked = retryAfter.map(DriveHttp::seconds).orElse(0L) * 1000;
        wait = Math.max(wait, asked);
        LOG.info("gdrive: {} failed ({}), attempt {} of {}; trying again in {} ms", what, why, attempt, retry.attempts(), wait);
        try {
            Thread.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting to retry " + what, e);
        }
    }

    private static long seconds(String retryAfter) {
        try {
            return Math.max(0, Long.parseLong(retryAfter.trim()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Google's error shape: {@code {"error": {"code", "message", "errors": [{"domain", "reason", "message"}]}}}. */
    private static Optional<String> reason(byte[] body) {
        try {
            JsonNode e = JSON.readTree(body).path("error");
            JsonNode first = e.path("errors").path(0).path("reason");
            if (first.isTextual()) {
                return Optional.of(first.asText());
            }
            return e.path("status").isTextual() ? Optional.of(e.path("status").asText()) : Optional.empty();
        } catch (IOException | RuntimeException ex) {
            return Optional.empty();
        }
    }

    private static String sentence(String what, int status, String reason) {
        return switch (reason) {
            case "storageQuotaExceeded", "quotaExceeded" -> "Google Drive is full (" + what + " refused: " + reason
                    + "); free space in the Drive, or lower the cloud size budget";
            case "rateLimitExceeded", "userRateLimitExceeded" -> "Google Drive keeps refusing " + what + " as too many requests ("
                    + reason + "); the next round tries again";
            default -> status == 401 ? "Google Drive refused the sign-in for " + what + "; sign in again with `rhizome cloud add gdrive`"
                    : status == 403 ? "Google Drive does not allow " + what + " (" + reason + "); sign in again with `rhizome cloud add gdrive`"
                            + " and grant access to the folder"
                    : "Google Drive answered " + status + " (" + reason + ") to " + what + "; the next round tries again";
        };
    }
}

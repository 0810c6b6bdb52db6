package io.rhizome.monitor.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * One-time login tokens for {@code rhizome open}: each works once (taking it removes it) and only
 * until it expires. Minted only for a caller that showed the API key, so a token is as good as the
 * key for one login and nothing else.
 */
final class LoginTokens {

    /** A URL printed in a terminal is read by a person right away; a minute is plenty and keeps a leaked one short-lived. */
    static final long DEFAULT_TTL_MILLIS = 60_000;
    /** Unused tokens are bounded: a caller minting in a loop pushes the oldest out instead of filling memory. */
    static final int MAX_TOKENS = 64;

    private final Map<String, Long> expiries = new ConcurrentHashMap<>();
    private final long ttlMillis;
    private final LongSupplier clock;

    LoginTokens(long ttlMillis, LongSupplier clock) {
        this.ttlMillis = ttlMillis;
        this.clock = clock;
    }

    /** A new token and the time (epoch millis) it expires. */
    synchronized Minted mint() {
        long now = clock.getAsLong();
        expiries.values().removeIf(e -> e <= now);
        while (expiries.size() >= MAX_TOKENS) {
            expiries.entrySet().stream().min(Map.Entry.comparingByValue()).ifPresent(e -> expiries.remove(e.getKey()));
        }
        String token = Secrets.random();
        long expiresAt = now + ttlMillis;
        expiries.put(token, expiresAt);
        return new Minted(token, expiresAt);
    }

    /** Takes the token: true once for a token minted here that has not expired, false ever after. */
    boolean redeem(String token) {
        if (token == null) {
            return false;
        }
        Long expiresAt = expiries.remove(token);
        return expiresAt != null && clock.getAsLong() < expiresAt;
    }

    record Minted(String token, long expiresAt) {
    }
}

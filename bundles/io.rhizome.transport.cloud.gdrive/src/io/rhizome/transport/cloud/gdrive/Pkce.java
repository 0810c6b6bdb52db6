package io.rhizome.transport.cloud.gdrive;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Proof Key for Code Exchange (RFC 7636) with the {@code S256} method: a fresh random verifier per
 * consent, and its challenge {@code BASE64URL(SHA-256(ASCII(verifier)))}. An installed app cannot
 * keep its client secret, so the verifier is what stops another program on the machine that
 * catches the redirect from exchanging the code.
 */
public record Pkce(String verifier, String challenge) {

    /** 32 random bytes, base64url without padding: 43 characters of the unreserved set, as RFC 7636 §4.1 recommends. */
    public static Pkce create(SecureRandom random) {
        byte[] b = new byte[32];
        random.nextBytes(b);
        String verifier = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        return new Pkce(verifier, challengeOf(verifier));
    }

    public static String challengeOf(String verifier) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}

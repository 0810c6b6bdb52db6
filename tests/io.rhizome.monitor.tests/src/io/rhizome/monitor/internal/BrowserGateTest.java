package io.rhizome.monitor.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/**
 * The monitor's login and session rules as plain classes, with a clock the test moves: a login
 * token works once and until it expires, a session ends when idle or closed, and the gate's
 * decisions for host, cookie, CSRF token, origin and fetch site.
 */
class BrowserGateTest {

    static final int PORT = 4711;
    private final AtomicLong now = new AtomicLong(1_000_000);

    @Test
    void aLoginTokenWorksOnceAndOnlyUntilItExpires() {
        LoginTokens tokens = new LoginTokens(60_000, now::get);
        LoginTokens.Minted a = tokens.mint();
        assertEquals(now.get() + 60_000, a.expiresAt());
        assertTrue(tokens.redeem(a.token()));
        assertFalse(tokens.redeem(a.token()), "a used token is refused");
        LoginTokens.Minted b = tokens.mint();
        now.addAndGet(60_000);
        assertFalse(tokens.redeem(b.token()), "an expired token is refused");
        assertFalse(tokens.redeem("made-up"));
        assertFalse(tokens.redeem(null));
        for (int i = 0; i < LoginTokens.MAX_TOKENS + 10; i++) {
            tokens.mint();
        }
        LoginTokens.Minted last = tokens.mint();
        assertTrue(tokens.redeem(last.token()), "minting in a loop pushes out the oldest, not the newest");
    }

    @Test
    void aSessionEndsWhenIdleForADayOrClosed() {
        Sessions sessions = new Sessions(now::get);
        Sessions.Session s = sessions.open();
        assertTrue(sessions.find(s.id()).isPresent());
        now.addAndGet(Sessions.IDLE_MILLIS - 1);
        assertTrue(sessions.find(s.id()).isPresent(), "used just before the limit: still open, and the idle time starts again");
        now.addAndGet(Sessions.IDLE_MILLIS + 1);
        assertTrue(sessions.find(s.id()).isEmpty(), "idle for more than a day");
        Sessions.Session t = sessions.open();
        sessions.close(t.id());
        assertTrue(sessions.find(t.id()).isEmpty());
        assertFalse(s.csrf().equals(s.id()), "the CSRF token is not the session id");
    }

    private static BrowserGate.Request req(String method, String host, String origin, String site, String cookie, String csrf) {
        return new BrowserGate.Request(method, PORT, host, origin, site, cookie, csrf);
    }

    @Test
    void theGateChecksHostCookieAndForStateChangesTheCsrfTokenOriginAndFetchSite() {
        Sessions sessions = new Sessions(now::get);
        BrowserGate gate = new BrowserGate(sessions);
        Sessions.Session s = sessions.open();
        String host = "127.0.0.1:" + PORT;
        String cookie = "other=1; " + BrowserGate.cookieName(PORT) + "=" + s.id();
        String self = "http://" + host;

        assertTrue(gate.check(req("GET", host, null, null, cookie, null)).allowed());
        assertTrue(gate.check(req("GET", "localhost:" + PORT, null, null, cookie, null)).allowed());
        assertEquals(401, gate.check(req("GET", host, null, null, null, null)).status());
        assertEquals(401, gate.check(req("GET", host, null, null, BrowserGate.cookieName(PORT) + "=forged", null)).status());
        assertEquals(401, gate.check(req("GET", host, null, null, BrowserGate.cookieName(PORT + 1) + "=" + s.id(), null)).status(),
                "another daemon's cookie name does not count here");
        BrowserGate.Decision rebound = gate.check(req("GET", "evil.example:" + PORT, null, null, cookie, null));
        assertEquals(403, rebound.status());
        assertTrue(rebound.message().contains("evil.example"), rebound.message());

        assertTrue(gate.check(req("POST", host, self, "same-origin", cookie, s.csrf())).allowed());
        assertTrue(gate.check(req("DELETE", host, null, null, cookie, s.csrf())).allowed(), "a client that sends neither header");
        assertEquals(403, gate.check(req("POST", host, self, "same-origin", cookie, null)).status(), "no CSRF token");
        assertEquals(403, gate.check(req("POST", host, self, "same-origin", cookie, "x" + s.csrf())).status(), "a wrong one");
        assertEquals(403, gate.check(req("PUT", host, "http://evil.example", "cross-site", cookie, s.csrf())).status(), "another origin");
        assertEquals(403, gate.check(req("POST", host, self, "same-site", cookie, s.csrf())).status(), "another port of this host");
        assertTrue(BrowserGate.sessionCookie(PORT, s.id()).contains("HttpOnly; SameSite=Strict"));
    }

    @Test
    void theQrImageIsAnSvgAndOversizedTextIsRefused() {
        String svg = QrSvg.of("rhizome:join?code=RZ-AAAA-BBBB-CCCC");
        assertTrue(svg.startsWith("<svg") && svg.contains("<path"), svg.substring(0, 40));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> QrSvg.of("x".repeat(QrSvg.MAX_CONTENT + 1)));
        assertTrue(e.getMessage().contains(String.valueOf(QrSvg.MAX_CONTENT)), e.getMessage());
        assertEquals("&lt;b&gt; &amp; &quot;", MonitorServlet.escape("<b> & \""));
    }
}
